//! Shell command lines as a POSIX shell splits them: `'...'`, `"..."`,
//! `$'...'` (what browsers' "copy as cURL" writes), backslash escapes,
//! `\` line continuations; commands end at a newline, `;`, `&&` or `|`.

/// A word of a command and where it starts (1-based, columns in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub line: usize,
    pub col: usize,
}

/// The commands of `text`, each a list of words; errors start with `line:col`.
pub fn commands(text: &str) -> Result<Vec<Vec<Word>>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut commands = Vec::new();
    let mut words: Vec<Word> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut i = 0;
    let mut line = 1;
    let mut line_start = 0;
    let mut start = (1, 1);
    let end_word =
        |word: &mut String, in_word: &mut bool, words: &mut Vec<Word>, start: (usize, usize)| {
            if *in_word {
                words.push(Word {
                    text: std::mem::take(word),
                    line: start.0,
                    col: start.1,
                });
                *in_word = false;
            }
        };
    while i < chars.len() {
        let c = chars[i];
        if !in_word && !c.is_whitespace() && !matches!(c, '\n' | ';' | '|' | '&' | '#') {
            start = (line, i - line_start + 1);
        }
        match c {
            '\\' if chars.get(i + 1) == Some(&'\n') => {
                i += 2;
                line += 1;
                line_start = i;
                continue;
            }
            '\\' if chars.get(i + 1) == Some(&'\r') && chars.get(i + 2) == Some(&'\n') => {
                i += 3;
                line += 1;
                line_start = i;
                continue;
            }
            '\\' => {
                if let Some(&n) = chars.get(i + 1) {
                    word.push(n);
                }
                in_word = true;
                i += 2;
                continue;
            }
            '\'' => {
                let start = format!("{line}:{}", i - line_start + 1);
                i += 1;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(format!("{start}: a quote ' is never closed"));
                }
                in_word = true;
            }
            '$' if chars.get(i + 1) == Some(&'\'') => {
                let start = format!("{line}:{}", i - line_start + 1);
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                        if chars[i] == '\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        match chars[i] {
                            'n' => word.push('\n'),
                            't' => word.push('\t'),
                            'r' => word.push('\r'),
                            'u' | 'x' => {
                                let len = if chars[i] == 'u' { 4 } else { 2 };
                                let hex: String = chars[i + 1..].iter().take(len).collect();
                                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                    Some(ch) if hex.len() == len => {
                                        word.push(ch);
                                        i += len;
                                    }
                                    _ => word.push(chars[i]),
                                }
                            }
                            other => word.push(other),
                        }
                    } else {
                        if chars[i] == '\n' {
                            line += 1;
                            line_start = i + 1;
                        }
                        word.push(chars[i]);
                    }
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(format!("{start}: a quote $' is never closed"));
                }
                in_word = true;
            }
            '"' => {
                let start = format!("{line}:{}", i - line_start + 1);
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\'
                        && let Some(&n) = chars.get(i + 1)
                        && matches!(n, '"' | '\\' | '$' | '`' | '\n')
                    {
                        if n == '\n' {
                            line += 1;
                            line_start = i + 2;
                        } else {
                            word.push(n);
                        }
                        i += 2;
                        continue;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                        line_start = i + 1;
                    }
                    word.push(chars[i]);
                    i += 1;
                }
                if i >= chars.len() {
                    return Err(format!("{start}: a quote \" is never closed"));
                }
                in_word = true;
            }
            '#' if !in_word => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\n' | ';' | '|' | '&' => {
                end_word(&mut word, &mut in_word, &mut words, start);
                if !words.is_empty() {
                    commands.push(std::mem::take(&mut words));
                }
                if c == '\n' {
                    line += 1;
                    line_start = i + 1;
                }
            }
            c if c.is_whitespace() => end_word(&mut word, &mut in_word, &mut words, start),
            c => {
                word.push(c);
                in_word = true;
            }
        }
        i += 1;
    }
    end_word(&mut word, &mut in_word, &mut words, start);
    if !words.is_empty() {
        commands.push(words);
    }
    Ok(commands)
}

#[cfg(test)]
mod tests {
    use super::commands;

    #[test]
    fn quotes_escapes_and_continuations() {
        let text = "curl -X POST \\\n  'https://h/a b' \\\n  -H \"X-A: \\\"q\\\"\" --data-raw $'{\"a\":\"\\u00e9\\n\"}'\ncurl h2 && echo done";
        let c: Vec<Vec<String>> = commands(text)
            .unwrap()
            .into_iter()
            .map(|w| w.into_iter().map(|w| w.text).collect())
            .collect();
        assert_eq!(commands(text).unwrap()[1][0].line, 4);
        assert_eq!(
            c[0],
            [
                "curl",
                "-X",
                "POST",
                "https://h/a b",
                "-H",
                "X-A: \"q\"",
                "--data-raw",
                "{\"a\":\"é\n\"}"
            ]
        );
        assert_eq!(c[1], ["curl", "h2"]);
        assert_eq!(c[2], ["echo", "done"]);
        assert!(commands("curl 'open").unwrap_err().contains("never closed"));
    }

    #[test]
    fn positions_count_lines_inside_quotes() {
        let at = |text: &str| {
            let c = commands(text).unwrap();
            let w = c.last().unwrap().last().unwrap().clone();
            (w.line, w.col)
        };
        assert_eq!(at("curl \"a\\\nb\" -k"), (2, 4));
        assert_eq!(at("curl $'a\\\nb' -k"), (2, 4));
        assert_eq!(at("curl $'a\nb' -k"), (2, 4));
        assert_eq!(at("curl 'é' -k"), (1, 10));
        assert!(commands("x\n  \"open").unwrap_err().starts_with("2:3:"));
    }
}
