//! The one way llmgw draws a table (`models list`, `models status`, `conv list`, `metrics`), so they all look alike:
//! no borders, two spaces between columns, nothing before the first and nothing after the last (a line never ends
//! in blanks), numbers right-aligned, and the width of the terminal respected.
//!
//! The width is `COLUMNS` when it is set (as `ls` and `gh` take it), else the terminal's when stdout is one, else
//! unlimited: a table piped to a file or `grep` keeps each row on one line. To fit a width, free text (aliases, a
//! reason, a title) wraps inside its column; ids, names of things and numbers never wrap, since a wrapped model id
//! can no longer be copied. When even that does not fit, the columns a table marked as least needed are left out,
//! and [`Rendered::hidden`] names them so the caller can say so (`--json` always has everything).

use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width, presets};
use std::io::IsTerminal;

/// What a column holds, which decides how it sits and whether it may wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An id, a name or a short word: left-aligned, never wrapped.
    Word,
    /// A number: right-aligned so digits line up, never wrapped.
    Number,
    /// Free text: left-aligned, wrapped to fit.
    Text,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    /// 0: always shown. Otherwise, when the table cannot fit, the column with the highest rank is left out first.
    pub drop_rank: u8,
}

impl Column {
    pub const fn word(name: &'static str) -> Column {
        Column { name, kind: Kind::Word, drop_rank: 0 }
    }

    pub const fn number(name: &'static str) -> Column {
        Column { name, kind: Kind::Number, drop_rank: 0 }
    }

    pub const fn text(name: &'static str) -> Column {
        Column { name, kind: Kind::Text, drop_rank: 0 }
    }

    /// Left out, when the table cannot fit, before columns of a lower rank.
    pub const fn dropped(self, rank: u8) -> Column {
        Column { drop_rank: rank, ..self }
    }
}

pub struct TextTable {
    table: Table,
    columns: Vec<Column>,
    /// Per column, the longest word of any cell: free text is not wrapped narrower, when it can be helped.
    longest_word: Vec<u16>,
}

/// A table drawn for a width, and the columns left out to fit it.
pub struct Rendered {
    pub text: String,
    pub hidden: Vec<&'static str>,
}

/// Free text is not wrapped narrower than this (or its own width, if less), nor narrower than its longest word up
/// to [`WORD_CAP`], so that words are not cut.
const TEXT_FLOOR: u16 = 12;
const WORD_CAP: u16 = 24;
/// Between two columns.
const GAP: u16 = 2;

impl TextTable {
    pub fn new(columns: &[Column]) -> TextTable {
        let mut table = Table::new();
        table.load_preset(presets::NOTHING).set_header(columns.iter().map(|c| c.name).collect::<Vec<_>>());
        TextTable { table, columns: columns.to_vec(), longest_word: vec![0; columns.len()] }
    }

    pub fn row(&mut self, cells: Vec<String>) -> &mut Self {
        for (longest, cell) in self.longest_word.iter_mut().zip(&cells) {
            let word = cell.split_whitespace().map(|w| w.chars().count()).max().unwrap_or(0);
            *longest = (*longest).max(u16::try_from(word).unwrap_or(u16::MAX));
        }
        self.table.add_row(cells);
        self
    }

    /// The table as lines of text, each ending in a newline, fitted to `width` columns when given.
    pub fn render_to(mut self, width: Option<u16>) -> Rendered {
        let widths = width.map(|w| self.layout(w));
        let last = match &widths {
            Some(w) => w.iter().rposition(Option::is_some).unwrap_or(0),
            None => self.columns.len().saturating_sub(1),
        };
        let mut hidden = Vec::new();
        for (at, spec) in self.columns.iter().enumerate() {
            let Some(column) = self.table.column_mut(at) else { continue };
            let padding = if at == last { 0 } else { GAP };
            column.set_padding((0, padding));
            if spec.kind == Kind::Number {
                column.set_cell_alignment(CellAlignment::Right);
            }
            match widths.as_ref().map(|w| w[at]) {
                None => {}
                Some(None) => {
                    column.set_constraint(ColumnConstraint::Hidden);
                    hidden.push(spec.name);
                }
                Some(Some(content)) => {
                    column.set_constraint(ColumnConstraint::Absolute(Width::Fixed(content + padding)));
                }
            }
        }
        if widths.is_some() {
            self.table.set_width(u16::MAX).set_content_arrangement(ContentArrangement::Dynamic);
        }
        let mut text = String::new();
        for line in self.table.lines() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
        Rendered { text, hidden }
    }

    /// The content width of each column to fit `width` (`None`: left out). Words and numbers keep their width;
    /// free text shares what is left, down to [`TEXT_FLOOR`]; if that is still too wide, columns are left out by
    /// rank.
    fn layout(&self, width: u16) -> Vec<Option<u16>> {
        let natural = self.table.column_max_content_widths();
        let floor: Vec<u16> = (0..self.columns.len())
            .map(|at| match self.columns[at].kind {
                Kind::Text => natural[at].min(TEXT_FLOOR.max(self.longest_word[at].min(WORD_CAP))),
                _ => natural[at],
            })
            .collect();
        let need = |shown: &[bool]| -> u32 {
            let visible = shown.iter().filter(|s| **s).count() as u32;
            (0..shown.len()).filter(|&at| shown[at]).map(|at| u32::from(floor[at])).sum::<u32>()
                + u32::from(GAP) * visible.saturating_sub(1)
        };
        let mut shown = vec![true; self.columns.len()];
        while need(&shown) > u32::from(width) {
            let droppable = (0..shown.len())
                .filter(|&at| shown[at] && self.columns[at].drop_rank > 0)
                .max_by_key(|&at| (self.columns[at].drop_rank, at));
            match droppable {
                Some(at) => shown[at] = false,
                None => break,
            }
        }
        let mut room = u32::from(width).saturating_sub(need(&shown));
        let mut widths: Vec<Option<u16>> = (0..shown.len()).map(|at| shown[at].then_some(floor[at])).collect();
        // Give the room left to the free text, a character at a time each, up to each column's own width.
        while room > 0 {
            let mut grew = false;
            for (at, w) in widths.iter_mut().enumerate() {
                if let Some(w) = w.as_mut().filter(|w| **w < natural[at]) {
                    if room == 0 {
                        break;
                    }
                    *w += 1;
                    room -= 1;
                    grew = true;
                }
            }
            if !grew {
                break;
            }
        }
        widths
    }

    /// The table fitted to where it is going (see the module documentation).
    pub fn render(self) -> Rendered {
        self.render_to(width())
    }
}

/// The width to fit: `COLUMNS`, else the terminal's when stdout is one.
fn width() -> Option<u16> {
    if let Some(columns) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<u16>().ok()) {
        return (columns > 0).then_some(columns);
    }
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_width()
}

fn terminal_width() -> Option<u16> {
    width_of(Stream::Out)
}

/// The width to wrap help to: the terminal's, found on stdout, stderr or stdin (help piped into a pager still
/// belongs to the terminal the person reads), capped at clap's 100. clap asks for the terminal's rows as well and
/// falls back to 100 columns when a terminal reports none, as pseudo-terminals of `script`, editors and CI runners
/// often do; only the columns matter here. `None` (with `COLUMNS` set, or no terminal) leaves it to clap.
pub fn help_width() -> Option<u16> {
    if std::env::var_os("COLUMNS").is_some() {
        return None;
    }
    [Stream::Out, Stream::Err, Stream::In].into_iter().find_map(width_of).map(|w| w.min(100))
}

#[derive(Clone, Copy)]
enum Stream {
    In,
    Out,
    Err,
}

#[cfg(unix)]
fn width_of(stream: Stream) -> Option<u16> {
    let fd = match stream {
        Stream::In => libc::STDIN_FILENO,
        Stream::Out => libc::STDOUT_FILENO,
        Stream::Err => libc::STDERR_FILENO,
    };
    // SAFETY: TIOCGWINSZ fills the winsize it is given and nothing else; a zeroed one is a valid value.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) } == 0;
    (ok && size.ws_col > 0).then_some(size.ws_col)
}

#[cfg(not(unix))]
fn width_of(_stream: Stream) -> Option<u16> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "anthropic.claude-3-5-sonnet-20241022-v2:0";

    fn sample() -> TextTable {
        let mut t = TextTable::new(&[
            Column::word("MODEL"),
            Column::text("ALIASES"),
            Column::word("VENDOR").dropped(1),
            Column::number("REQUESTS"),
        ]);
        t.row(vec![ID.into(), "claude, sonnet, claude-3.5, s35".into(), "anthropic".into(), "7".into()]);
        t.row(vec!["echo".into(), String::new(), "llmgw".into(), "12345".into()]);
        t
    }

    fn letters(text: &str) -> Vec<char> {
        let mut c: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
        c.sort_unstable();
        c
    }

    #[test]
    fn no_leading_space_no_trailing_blanks_two_spaces_between_numbers_right() {
        let text = sample().render_to(None).text;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("MODEL  "), "{text}");
        for line in &lines {
            assert!(!line.starts_with(' ') && !line.ends_with(' '), "{line:?}");
        }
        // Right-aligned: the numbers end in the same column as the header.
        let end = lines[0].len();
        assert!(lines[1].ends_with("  7") && lines[1].len() == end, "{text}");
        assert!(lines[2].ends_with("12345") && lines[2].len() == end, "{text}");
    }

    #[test]
    fn text_wraps_to_fit_and_ids_stay_whole() {
        let wide = sample().render_to(None).text;
        for width in [76_u16, 80, 90, 200] {
            let fitted = sample().render_to(Some(width));
            assert!(fitted.hidden.is_empty(), "width {width}");
            for line in fitted.text.lines() {
                assert!(line.chars().count() <= width as usize, "width {width}: {line:?}\n{}", fitted.text);
                assert!(!line.ends_with(' '), "{line:?}");
            }
            // Only a wrapped cell's next lines start blank (under the columns before it).
            assert!(!fitted.text.starts_with(' '));
            assert!(fitted.text.lines().nth(1).unwrap().starts_with(ID), "the id is whole:\n{}", fitted.text);
            assert_eq!(letters(&fitted.text), letters(&wide), "width {width} lost text:\n{}", fitted.text);
        }
        assert_eq!(sample().render_to(Some(200)).text, wide, "room enough: as without a width");
    }

    #[test]
    fn columns_are_left_out_by_rank_only_when_wrapping_cannot_fit() {
        // MODEL 41 + ALIASES 12 + REQUESTS 8 + gaps 4 = 65 without VENDOR; with it, 76.
        let fitted = sample().render_to(Some(66));
        assert_eq!(fitted.hidden, ["VENDOR"]);
        assert!(!fitted.text.contains("anthropic  ") && !fitted.text.contains("VENDOR"), "{}", fitted.text);
        assert!(fitted.text.lines().all(|l| l.chars().count() <= 66), "{}", fitted.text);
        assert!(sample().render_to(Some(76)).hidden.is_empty());
        // Narrower than the columns that never go: as narrow as it can be, nothing else dropped.
        let squeezed = sample().render_to(Some(20));
        assert_eq!(squeezed.hidden, ["VENDOR"]);
        assert!(squeezed.text.contains(ID));
    }
}
