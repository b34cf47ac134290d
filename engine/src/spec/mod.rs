//! Spec model, YAML loading with positions, schema and semantic checks.
