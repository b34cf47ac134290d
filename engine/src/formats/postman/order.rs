//! Ordering that no captured value expresses. Postman runs requests one by
//! one; caseflow runs what is independent at once. A step also `needs` an
//! earlier step when both touch the same resource and one of them writes:
//! a resource is a captured value used in the URL or body, or an input sent
//! in a body (a password set by one request and used by a later login).
//! Writes are requests other than GET, HEAD and OPTIONS.

use std::collections::{HashMap, HashSet};

use indexmap::IndexSet;

use super::variables::{Ref, Site};

pub struct Access {
    pub id: String,
    pub write: bool,
    pub refs: Vec<(Ref, Site)>,
}

/// The minimal `needs` of each step (by index), given data-flow edges.
pub fn needs(steps: &[Access]) -> Vec<Vec<String>> {
    #[derive(Default)]
    struct Resource {
        last_write: Option<usize>,
        reads: Vec<usize>,
    }
    let index: HashMap<&str, usize> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut resources: HashMap<Ref, Resource> = HashMap::new();
    let mut ancestors: Vec<HashSet<usize>> = Vec::new();
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let data: IndexSet<usize> = step
            .refs
            .iter()
            .filter_map(|(r, _)| match r {
                Ref::Step { step, .. } => index.get(step.as_str()).copied(),
                Ref::Input(_) => None,
            })
            .filter(|d| *d < i)
            .collect();
        let mut hazards: IndexSet<usize> = IndexSet::new();
        let touched: IndexSet<&Ref> = step
            .refs
            .iter()
            .filter(|(r, site)| match r {
                Ref::Step { .. } => *site != Site::Header,
                Ref::Input(_) => *site == Site::Body,
            })
            .map(|(r, _)| r)
            .collect();
        for r in touched {
            let res = resources.entry(r.clone()).or_default();
            hazards.extend(res.last_write);
            if step.write {
                hazards.extend(res.reads.drain(..));
                res.last_write = Some(i);
            } else {
                res.reads.push(i);
            }
        }
        hazards.retain(|h| *h != i && !data.contains(h));
        let mut all = HashSet::new();
        for d in data.iter().chain(hazards.iter()) {
            all.insert(*d);
            all.extend(ancestors[*d].iter().copied());
        }
        // Keep only needs no other dependency already implies.
        let kept: Vec<String> = hazards
            .iter()
            .filter(|h| {
                !data
                    .iter()
                    .chain(hazards.iter())
                    .any(|d| d != *h && ancestors[*d].contains(h))
            })
            .map(|h| steps[*h].id.clone())
            .collect();
        ancestors.push(all);
        out.push(kept);
    }
    out
}
