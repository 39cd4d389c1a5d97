//! What the sessions borrow and give back, apart from the proxy's state:
//! the session buffers (1.4's `pool2_buffer`), the splice pipe (1.4's pipe
//! pool, one pipe here) and the log line being written. `Runtime` keeps
//! what the stats show (counters, server states, queues, tables); these
//! are the loop's working memory, lent to each call through `Ctx::pools`.

use crate::buffer::Pool;
use crate::config::model::Config;
use crate::splice::Splicer;

pub struct Pools {
    /// session buffers, shared by every session
    pub buf: Pool,
    /// the pipe large bodies are spliced through (off with `nosplice`)
    pub splicer: Splicer,
    /// the traffic log line being written, reused from line to line
    pub log_line: String,
}

impl Pools {
    pub fn new(cfg: &Config) -> Pools {
        Pools {
            buf: Pool::new(cfg.global.bufsize, 256),
            splicer: Splicer::new(!cfg.global.nosplice),
            log_line: String::new(),
        }
    }
}
