//! Templates compiled once per run. A spec's templates render on every
//! attempt, every `for_each` item and, for a client's headers, every step;
//! parsing one costs more than rendering it. A compiled template holds
//! about 10 KiB, so one is kept from its second render on: the many that
//! render once (most steps' bodies) cost no memory after their step.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock, RwLock, RwLockReadGuard};

use minijinja::{Environment, Error, Expression, Value};

/// The environment every spec renders with, built once.
pub fn shared() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(super::environment)
}

/// What a run has compiled, by source. Text templates live in the run's own
/// copy of the environment, named by their source; failures are not kept
/// (compiling again on the error path gives the error).
pub struct Templates {
    /// Hashes of the sources rendered once so far.
    seen: Mutex<HashSet<u64>>,
    hasher: RandomState,
    /// Made on the first template kept: most input defaults and many runs keep none.
    texts: OnceLock<RwLock<Environment<'static>>>,
    /// `None` for a source that is not one expression.
    expressions: RwLock<HashMap<Box<str>, Option<Arc<Expression<'static, 'static>>>>>,
}

impl Default for Templates {
    fn default() -> Self {
        Self {
            seen: Mutex::default(),
            hasher: RandomState::new(),
            texts: OnceLock::new(),
            expressions: RwLock::default(),
        }
    }
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

impl Templates {
    /// Renders `source` as a text template into `out`, compiled for this
    /// render only the first time and kept from the second.
    pub fn render_to(&self, source: &str, ctx: &Value, out: impl Write) -> Result<(), Error> {
        if let Some(texts) = self.texts.get()
            && let Ok(template) = read(texts).get_template(source)
        {
            return template.render_captured_to(ctx, out).map(drop);
        }
        if self.first_use(source) {
            return shared()
                .template_from_str(source)?
                .render_captured_to(ctx, out)
                .map(drop);
        }
        let texts = self.texts.get_or_init(|| RwLock::new(shared().clone()));
        texts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add_template_owned(source.to_owned(), source.to_owned())?;
        read(texts)
            .get_template(source)?
            .render_captured_to(ctx, out)
            .map(drop)
    }

    /// Whether `source` renders for the first time (and is not kept yet).
    fn first_use(&self, source: &str) -> bool {
        let hash = self.hasher.hash_one(source);
        self.seen.lock().is_ok_and(|mut seen| seen.insert(hash))
    }

    /// `source` compiled as one expression, or `None` when it is not one.
    pub fn expression(&self, source: &str) -> Option<Arc<Expression<'static, 'static>>> {
        if let Some(known) = self
            .expressions
            .read()
            .ok()
            .and_then(|e| e.get(source).cloned())
        {
            return known;
        }
        let compiled = shared()
            .compile_expression_owned(source.to_owned())
            .ok()
            .map(Arc::new);
        if self.first_use(source) {
            return compiled;
        }
        if let Ok(mut expressions) = self.expressions.write() {
            expressions.insert(source.into(), compiled.clone());
        }
        compiled
    }
}

fn read<'a>(texts: &'a RwLock<Environment<'static>>) -> RwLockReadGuard<'a, Environment<'static>> {
    texts.read().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiles_each_source_once() {
        let templates = Templates::default();
        let ctx = minijinja::context! { x => 1 };
        let kept = |t: &Templates| {
            t.texts
                .get()
                .map_or(0, |e| e.read().unwrap().templates().count())
        };
        for n in 0..3 {
            let mut out = Vec::new();
            templates.render_to("{{ x }}!", &ctx, &mut out).unwrap();
            assert_eq!(out, b"1!");
            assert_eq!(kept(&templates), n.min(1), "kept from the second render on");
        }
        let once = templates.expression("x + 1").unwrap();
        assert_eq!(once.eval(&ctx).unwrap().to_string(), "2");
        let kept = templates.expression("x + 1").unwrap();
        assert!(!Arc::ptr_eq(&once, &kept));
        assert!(Arc::ptr_eq(&kept, &templates.expression("x + 1").unwrap()));
        assert!(templates.expression("x +").is_none());
        assert!(templates.render_to("{{ x", &ctx, Vec::new()).is_err());
    }
}
