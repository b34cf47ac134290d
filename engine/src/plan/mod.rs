//! The dependency graph of a spec's steps: levels, critical path, cycles,
//! and renderings (text, Mermaid, DOT).

mod graph;
mod render;

pub use graph::{Plan, cycles};
pub use render::{render_dot, render_mermaid, render_text};
