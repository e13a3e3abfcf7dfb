#![no_main]

// A panic caught inside our guarded Automerge wrappers is handled input,
// not a crash; an uncaught one still unwinds into libFuzzer and aborts.
libfuzzer_sys::fuzz_target!(init: std::panic::set_hook(Box::new(|_| {})), |data: &[u8]| gridpatrol_fuzz::wire_decode(data));
