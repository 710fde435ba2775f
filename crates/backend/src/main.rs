//! `cruddur-backend`: the API on its own, as its container runs it.

use clap::Parser;
use cruddur_backend::cli::{Cli, run, runtime};
use cruddur_backend::settings::Mode;

// jemalloc returns freed memory to the OS (glibc kept a freed 19 MiB Argon2 buffer resident).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> anyhow::Result<()> {
    runtime()?.block_on(run(Cli::parse(), Mode::Backend))
}
