//! An index over a list of rules (the `use_backend` list), built once at
//! config time, so that a long run of rules of the shape
//! `use_backend B if <acl>`, where every ACL is one exact-match expression
//! on the same criterion (`hdr(host) -i`, `path`, `url`, `src` with single
//! addresses), is answered by one lookup instead of a walk.
//!
//! 1.4 walks the rules and the first matching one wins; the index keeps
//! that: each key maps to the first rule of the run that holds it, and a
//! sample with several values (a header repeated or comma-listed) takes
//! the smallest rule number over its values. A rule that does not fit
//! (`unless`, `!`, `||`, two terms, another criterion, a pattern that is
//! not an exact string) ends the run and is evaluated as before, in its
//! place.

use super::eval::uri_path;
use super::{Acl, AclExpr, AclRef, Cond, Fetch, Sample};
use std::collections::HashMap;
use std::net::IpAddr;

/// Runs shorter than this are walked: a lookup costs more than a couple
/// of comparisons.
const MIN_RUN: usize = 2;

/// The criterion a run of rules looks up.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    /// `hdr(name)`, the name lower-cased (header names ignore case)
    Hdr(Option<String>),
    Path,
    Url,
    Src,
}

#[derive(Debug, Clone)]
struct Run {
    key: Key,
    /// first rule number (absolute) by case-sensitive value
    cs: HashMap<Box<[u8]>, usize>,
    /// first rule number by lower-cased value, for `-i` patterns
    ci: HashMap<Box<[u8]>, usize>,
    /// first rule number by IPv4 address
    ips: HashMap<u32, usize>,
}

#[derive(Debug, Clone)]
enum Step {
    /// evaluate this rule's condition
    Rule(usize),
    Run(Box<Run>),
}

/// The evaluation plan of a rule list: its steps in rule order.
#[derive(Debug, Clone, Default)]
pub struct RulePlan {
    steps: Vec<Step>,
    /// how many rules the plan was built for (a plan that does not cover
    /// the list is not used)
    rules: usize,
}

/// What a fitting rule contributes: its criterion and its one expression.
fn fit<'a>(c: &'a Cond, acls: &'a [Acl]) -> Option<(Key, &'a AclExpr)> {
    if c.unless || c.groups.len() != 1 {
        return None;
    }
    let [t] = &c.groups[0][..] else {
        return None;
    };
    if t.neg {
        return None;
    }
    let acl = match &t.acl {
        AclRef::Named(i) => acls.get(*i)?,
        // anonymous `{ ... }` ACLs fit; predefined ones are never exact
        AclRef::Builtin(a) => a,
    };
    let [e] = &acl.exprs[..] else {
        return None;
    };
    let key = match e.fetch {
        Fetch::Hdr => Key::Hdr(e.arg.as_ref().map(|a| a.to_ascii_lowercase())),
        Fetch::Path => Key::Path,
        Fetch::Url => Key::Url,
        Fetch::Src => Key::Src,
        _ => return None,
    };
    let exact = if key == Key::Src {
        e.pats.host_addrs().is_some()
    } else {
        e.pats.exact_keys().is_some()
    };
    exact.then_some((key, e))
}

impl Run {
    fn new(key: Key) -> Run {
        Run {
            key,
            cs: HashMap::new(),
            ci: HashMap::new(),
            ips: HashMap::new(),
        }
    }

    /// Rule `n`'s patterns; an earlier rule keeps a key it already has.
    fn add(&mut self, n: usize, e: &AclExpr) {
        if let Some((cs, ci)) = e.pats.exact_keys() {
            for k in cs {
                self.cs.entry(k.into()).or_insert(n);
            }
            for k in ci {
                self.ci.entry(k.into()).or_insert(n);
            }
        }
        for a in e.pats.host_addrs().unwrap_or_default() {
            self.ips.entry(a).or_insert(n);
        }
    }

    fn lookup_value(&self, v: &[u8]) -> Option<usize> {
        let cs = self.cs.get(v).copied();
        let ci = if self.ci.is_empty() {
            None
        } else {
            super::with_lower(v, |low| self.ci.get(low).copied())
        };
        match (cs, ci) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The first rule of the run whose ACL matches the sample.
    fn lookup(&self, s: &dyn Sample) -> Option<usize> {
        match &self.key {
            Key::Hdr(name) => {
                let mut first: Option<usize> = None;
                s.req_hdr_any(name.as_deref(), true, &mut |v| {
                    if let Some(n) = self.lookup_value(v) {
                        first = Some(first.map_or(n, |f| f.min(n)));
                    }
                    false
                });
                first
            }
            Key::Path => s.url().and_then(|u| self.lookup_value(uri_path(u))),
            Key::Url => s.url().and_then(|u| self.lookup_value(u)),
            Key::Src => match s.src() {
                Some(IpAddr::V4(a)) => self.ips.get(&u32::from(a)).copied(),
                _ => None,
            },
        }
    }
}

impl RulePlan {
    /// The plan of the rules whose conditions are `conds`, in order.
    pub fn build<'a>(conds: impl Iterator<Item = &'a Cond>, acls: &[Acl]) -> RulePlan {
        let mut steps = Vec::new();
        // the run being gathered: its key, expressions and rule numbers
        let mut cur: Vec<(usize, Key, &AclExpr)> = Vec::new();
        let mut rules = 0;
        for (n, c) in conds.enumerate() {
            rules = n + 1;
            match fit(c, acls) {
                Some((key, e)) if cur.first().is_none_or(|(_, k, _)| *k == key) => {
                    cur.push((n, key, e));
                }
                Some((key, e)) => {
                    flush(&mut steps, &mut cur);
                    cur.push((n, key, e));
                }
                None => {
                    flush(&mut steps, &mut cur);
                    steps.push(Step::Rule(n));
                }
            }
        }
        flush(&mut steps, &mut cur);
        RulePlan { steps, rules }
    }

    /// Whether the plan covers a list of `n` rules.
    pub fn covers(&self, n: usize) -> bool {
        self.rules == n && (n == 0 || !self.steps.is_empty())
    }

    /// The first rule that matches, as 1.4's walk finds it: `eval(n)`
    /// evaluates rule n's condition for the steps that are single rules.
    pub fn first(&self, s: &dyn Sample, mut eval: impl FnMut(usize) -> bool) -> Option<usize> {
        self.steps.iter().find_map(|st| match st {
            Step::Rule(n) => eval(*n).then_some(*n),
            Step::Run(r) => r.lookup(s),
        })
    }
}

/// Ends the run being gathered: indexed when long enough, else its rules
/// one by one.
fn flush(steps: &mut Vec<Step>, cur: &mut Vec<(usize, Key, &AclExpr)>) {
    if cur.len() >= MIN_RUN {
        let mut run = Run::new(cur[0].1.clone());
        for (n, _, e) in cur.iter() {
            run.add(*n, e);
        }
        steps.push(Step::Run(Box::new(run)));
    } else {
        steps.extend(cur.iter().map(|(n, _, _)| Step::Rule(*n)));
    }
    cur.clear();
}

#[cfg(test)]
#[path = "rule_index_tests.rs"]
mod tests;
