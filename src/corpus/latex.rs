//! Inline LaTeX as it survives in abstracts (`625 $\mu$ m`, `$\pm 0.01$`, `$10^{-2}$`) turned
//! into readable text (`625 μm`, `± 0.01`, `10⁻²`), so it is shown and indexed as people read it.

/// Replace every `$…$` math span with readable Unicode text. Text without `$` is returned as is.
pub fn math_to_text(text: &str) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('$') {
        let after_open = &rest[open + 1..];
        // `$$…$$` display math is treated like inline math.
        let (body_start, delimiter) = if after_open.starts_with('$') {
            (open + 2, "$$")
        } else {
            (open + 1, "$")
        };
        let Some(close) = rest[body_start..].find(delimiter) else {
            break;
        };
        let body = &rest[body_start..body_start + close];
        let mut before = &rest[..open];
        let converted = convert_math(body);
        // `625 $\mu$ m` → `625 μm`: a unit prefix sticks to the unit that follows.
        let glue_next = converted.chars().count() == 1 && is_unit_prefix(&converted);
        if converted.starts_with(['⁻', '⁺', '⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'])
        {
            before = before.trim_end();
        }
        out.push_str(before);
        out.push_str(&converted);
        rest = &rest[body_start + close + delimiter.len()..];
        if glue_next {
            let trimmed = rest.trim_start_matches(' ');
            if trimmed.starts_with(|c: char| c.is_alphabetic()) {
                rest = trimmed;
            }
        }
    }
    out.push_str(rest);
    out
}

fn is_unit_prefix(symbol: &str) -> bool {
    matches!(symbol, "μ" | "Ω" | "Å")
}

/// Convert the inside of one math span.
fn convert_math(body: &str) -> String {
    let mut out = String::new();
    let chars: Vec<char> = body.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let start = i + 1;
                let mut end = start;
                while end < chars.len() && chars[end].is_ascii_alphabetic() {
                    end += 1;
                }
                if end == start {
                    // `\,` `\;` `\ ` spacing, `\%` escaped characters
                    if let Some(&next) = chars.get(start) {
                        if next != ',' && next != ';' && next != '!' {
                            out.push(next);
                        } else {
                            out.push(' ');
                        }
                    }
                    i = start + 1;
                    continue;
                }
                let name: String = chars[start..end].iter().collect();
                // \mathrm{GeV}, \text{…}: unknown commands are dropped, their argument kept
                if let Some(symbol) = command_symbol(&name) {
                    out.push_str(symbol);
                }
                i = end;
                // a command name is ended by one optional space
                if i < chars.len() && chars[i] == ' ' && command_symbol(&name).is_some() {
                    let next_is_word = chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
                    if !next_is_word || is_unit_prefix(command_symbol(&name).unwrap_or("")) {
                        i += 1;
                    }
                }
            }
            '^' | '_' => {
                let (group, next) = read_group(&chars, i + 1);
                let converted = convert_math(&group);
                let script = if c == '^' {
                    to_superscript(&converted)
                } else {
                    to_subscript(&converted)
                };
                match script {
                    Some(script) => out.push_str(&script),
                    // `p_T` reads as `pT`; `x^{ab}` keeps its caret
                    None => {
                        if c == '^' {
                            out.push(c);
                        }
                        out.push_str(&converted);
                    }
                }
                i = next;
            }
            '{' | '}' => i += 1,
            '~' => {
                out.push(' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    crate::text::squash_whitespace(&out)
}

/// `{…}` group or a single character after `^`/`_`.
fn read_group(chars: &[char], start: usize) -> (String, usize) {
    if chars.get(start) == Some(&'{') {
        let mut depth = 0;
        for (offset, &c) in chars[start..].iter().enumerate() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        let group = chars[start + 1..start + offset].iter().collect();
                        return (group, start + offset + 1);
                    }
                }
                _ => {}
            }
        }
        (chars[start + 1..].iter().collect(), chars.len())
    } else if let Some(&c) = chars.get(start) {
        (c.to_string(), start + 1)
    } else {
        (String::new(), start)
    }
}

fn to_superscript(text: &str) -> Option<String> {
    text.chars()
        .map(|c| {
            Some(match c {
                '0' => '⁰',
                '1' => '¹',
                '2' => '²',
                '3' => '³',
                '4' => '⁴',
                '5' => '⁵',
                '6' => '⁶',
                '7' => '⁷',
                '8' => '⁸',
                '9' => '⁹',
                '-' | '−' => '⁻',
                '+' => '⁺',
                'n' => 'ⁿ',
                _ => return None,
            })
        })
        .collect()
}

fn to_subscript(text: &str) -> Option<String> {
    text.chars()
        .map(|c| {
            Some(match c {
                '0' => '₀',
                '1' => '₁',
                '2' => '₂',
                '3' => '₃',
                '4' => '₄',
                '5' => '₅',
                '6' => '₆',
                '7' => '₇',
                '8' => '₈',
                '9' => '₉',
                '-' => '₋',
                '+' => '₊',
                _ => return None,
            })
        })
        .collect()
}

fn command_symbol(name: &str) -> Option<&'static str> {
    Some(match name {
        "alpha" => "α",
        "beta" => "β",
        "gamma" => "γ",
        "Gamma" => "Γ",
        "delta" => "δ",
        "Delta" => "Δ",
        "epsilon" | "varepsilon" => "ε",
        "eta" => "η",
        "theta" => "θ",
        "kappa" => "κ",
        "lambda" => "λ",
        "Lambda" => "Λ",
        "mu" => "μ",
        "nu" => "ν",
        "xi" => "ξ",
        "pi" => "π",
        "rho" => "ρ",
        "sigma" => "σ",
        "Sigma" => "Σ",
        "tau" => "τ",
        "phi" | "varphi" => "φ",
        "Phi" => "Φ",
        "chi" => "χ",
        "psi" => "ψ",
        "omega" => "ω",
        "Omega" => "Ω",
        "pm" => "±",
        "mp" => "∓",
        "times" => "×",
        "cdot" => "·",
        "leq" | "le" => "≤",
        "geq" | "ge" => "≥",
        "sim" => "~",
        "simeq" | "approx" => "≈",
        "neq" | "ne" => "≠",
        "ll" => "≪",
        "gg" => "≫",
        "to" | "rightarrow" => "→",
        "leftarrow" => "←",
        "infty" => "∞",
        "sqrt" => "√",
        "partial" => "∂",
        "nabla" => "∇",
        "ell" => "ℓ",
        "hbar" => "ħ",
        "circ" => "°",
        "AA" | "angstrom" => "Å",
        "percent" => "%",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_and_issue_examples() {
        assert_eq!(math_to_text("a pitch of 625 $\\mu$ m"), "a pitch of 625 μm");
        assert_eq!(
            math_to_text("between  $\\pm 0.01$  and"),
            "between  ± 0.01  and"
        );
        assert_eq!(math_to_text("under  $10^{-2}$  in"), "under  10⁻²  in");
        assert_eq!(math_to_text("$\\sqrt{s} = 13$ TeV"), "√s = 13 TeV");
    }

    #[test]
    fn dollars_without_math_are_kept() {
        assert_eq!(math_to_text("costs $5"), "costs $5");
        assert_eq!(math_to_text("$p_T$ spectrum"), "pT spectrum");
    }
}
