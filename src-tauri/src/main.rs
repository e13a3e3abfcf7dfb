// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// mimalloc: Automerge makes many small allocations, and glibc's allocator
/// took a fifth of the time of applying pulled cases (docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    gridpatrol_app::run();
}
