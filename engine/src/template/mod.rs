//! minijinja environment, template functions, typed rendering and reference extraction.
