#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| gridpatrol_fuzz::wire_decode(data));
