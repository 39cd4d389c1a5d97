//! Every libc call of the program lives here, each with its SAFETY note,
//! split by concern; callers use the items re-exported here (`crate::sys::X`),
//! except the two paths with their own vocabulary: `sys::fd` (descriptors
//! handed over by `bind fd@<n>`) and `sys::master` (master-worker mode).

use std::io;

pub mod fd;
pub mod master;
mod process;
mod signal;
mod socket;
mod splice;
mod time;

pub use process::*;
pub use signal::*;
pub use socket::*;
pub use splice::*;
pub use time::*;

fn check(r: libc::c_int) -> io::Result<()> {
    if r < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}
