//! Local and UTC broken-down time (localtime_r / gmtime_r).

/// Broken-down local time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tm {
    pub year: i32,
    pub mon: u32,
    pub mday: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub yday: u32,
}

pub fn localtime(secs: i64) -> Tm {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: tm is plain data; localtime_r writes only into it and reads
    // the valid time_t we pass by pointer.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call.
    unsafe { libc::localtime_r(&t, &mut tm) };
    Tm {
        year: tm.tm_year + 1900,
        mon: tm.tm_mon as u32,
        mday: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        min: tm.tm_min as u32,
        sec: tm.tm_sec as u32,
        yday: tm.tm_yday as u32,
    }
}

pub fn gmtime(secs: i64) -> Tm {
    let t: libc::time_t = secs as libc::time_t;
    // SAFETY: as in localtime.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are valid for the duration of the call.
    unsafe { libc::gmtime_r(&t, &mut tm) };
    Tm {
        year: tm.tm_year + 1900,
        mon: tm.tm_mon as u32,
        mday: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        min: tm.tm_min as u32,
        sec: tm.tm_sec as u32,
        yday: tm.tm_yday as u32,
    }
}
