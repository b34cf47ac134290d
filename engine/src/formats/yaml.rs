//! YAML text of a generated spec: the serializer's output, with header
//! comments on top and per-step comments above each step key.

use indexmap::IndexMap;

use crate::spec::Spec;

/// Serializes `spec`; `comments` are keyed `steps.<id>` or `cleanup.<id>`.
pub fn render(
    spec: &Spec,
    header: &[String],
    comments: &IndexMap<String, Vec<String>>,
) -> Result<String, String> {
    let yaml = serde_saphyr::to_string(spec).map_err(|e| format!("cannot write YAML: {e}"))?;
    let mut out = String::new();
    for line in header {
        push_comment(&mut out, "", line);
    }
    let mut section = "";
    let mut first_in_section = true;
    for line in yaml.lines() {
        if !line.starts_with(' ') {
            section = line.split(':').next().unwrap_or("");
            first_in_section = true;
            if section == "steps" || section == "cleanup" {
                // Sections of steps read better apart from the inputs above them.
                out.push('\n');
            }
        } else if let Some(key) = step_key(line)
            && (section == "steps" || section == "cleanup")
        {
            if !first_in_section {
                out.push('\n');
            }
            first_in_section = false;
            for c in comments
                .get(&format!("{section}.{key}"))
                .into_iter()
                .flatten()
            {
                push_comment(&mut out, "  ", c);
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

fn push_comment(out: &mut String, indent: &str, text: &str) {
    // One comment line per source line: a newline inside would end the comment.
    for part in text.lines() {
        out.push_str(indent);
        out.push_str("# ");
        out.push_str(part.trim_end());
        out.push('\n');
    }
}

/// The key of a line indented by exactly two spaces (a step id).
fn step_key(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("  ")?;
    if rest.starts_with(' ') {
        return None;
    }
    let (key, _) = rest.split_once(':')?;
    Some(key)
}
