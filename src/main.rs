//! The `almanac` binary: the command line in [`cli`].

mod cli;

// Searches and GraphQL responses allocate many short-lived buffers; glibc's malloc cost a
// quarter of the server's time under search load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    almanac::allocation::avoid_huge_pages();
    cli::main()
}
