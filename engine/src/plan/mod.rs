//! Dependency graph, levels and critical path.
