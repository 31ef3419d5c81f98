//! Painting the overlay: one calm card, the nudge in large text, the suggested phrase
//! under it, a status line and the compact indicators at the bottom.
//!
//! Everything is in points (logical pixels), so the card looks the same at 100% and at
//! 200% display scaling. The text is laid out to fit the window: when it does not fit, the
//! indicators go first, then the phrase shrinks to one line, then the nudge's text size
//! steps down; the nudge itself is elided only as a last resort at the smallest window.

use std::sync::Arc;

use eframe::egui::{
    self, emath::GuiRounding as _, pos2, text::LayoutJob, vec2, Align2, Color32, CornerRadius,
    FontId, Galley, Painter, Pos2, Rect, Stroke, StrokeKind,
};

use callcue::NudgeId;

use super::screen::{Nudge, Status, Trend};

const PADDING_X: f32 = 14.0;
const PADDING_Y: f32 = 10.0;
const CORNER_RADIUS: u8 = 10;
const ACCENT_WIDTH: f32 = 4.0;
const ACCENT_GAP: f32 = 10.0;
const PHRASE_GAP: f32 = 3.0;
const ROW_HEIGHT: f32 = 16.0;
const ROW_GAP: f32 = 6.0;
const SMALL_TEXT: f32 = 12.0;
/// Size of the corner where a drag resizes the window.
pub const GRIP_SIZE: f32 = 14.0;

/// How the card is dressed: light or dark.
#[derive(Clone, Copy, Debug)]
pub struct Palette {
    pub dark: bool,
    background: Color32,
    border: Color32,
    title: Color32,
    phrase: Color32,
    muted: Color32,
    warning: Color32,
    track: Color32,
    calm: Color32,
    tense: Color32,
    upset: Color32,
}

impl Palette {
    pub fn new(dark: bool) -> Self {
        if dark {
            Self {
                dark,
                background: Color32::from_rgb(23, 26, 32),
                border: Color32::from_rgb(58, 64, 76),
                title: Color32::from_rgb(246, 247, 249),
                phrase: Color32::from_rgb(196, 202, 212),
                muted: Color32::from_rgb(150, 157, 168),
                warning: Color32::from_rgb(255, 190, 92),
                track: Color32::from_rgb(52, 58, 69),
                calm: Color32::from_rgb(94, 201, 140),
                tense: Color32::from_rgb(255, 190, 92),
                upset: Color32::from_rgb(255, 112, 120),
            }
        } else {
            Self {
                dark,
                background: Color32::from_rgb(252, 252, 253),
                border: Color32::from_rgb(205, 210, 218),
                title: Color32::from_rgb(16, 18, 22),
                phrase: Color32::from_rgb(62, 68, 78),
                muted: Color32::from_rgb(98, 105, 116),
                warning: Color32::from_rgb(160, 82, 0),
                track: Color32::from_rgb(222, 226, 232),
                calm: Color32::from_rgb(22, 140, 80),
                tense: Color32::from_rgb(196, 118, 0),
                upset: Color32::from_rgb(200, 36, 56),
            }
        }
    }

    /// The accent stripe beside a nudge: one colour per kind of advice.
    fn accent(&self, id: NudgeId) -> Color32 {
        let (dark, light) = match id {
            // Turn-taking and pace.
            NudgeId::Pause | NudgeId::SlowDown => ((255, 176, 72), (206, 118, 0)),
            // Empathy.
            NudgeId::Acknowledge | NudgeId::Condolence => ((240, 128, 190), (184, 30, 110)),
            // Delivery and flow.
            NudgeId::Smile | NudgeId::FillSilence | NudgeId::CheckIn => {
                ((110, 172, 255), (30, 90, 210))
            }
            // Words.
            NudgeId::PositiveLanguage
            | NudgeId::BeSpecific
            | NudgeId::UseName
            | NudgeId::Restate => ((72, 210, 190), (10, 122, 112)),
        };
        let (r, g, b) = if self.dark { dark } else { light };
        Color32::from_rgb(r, g, b)
    }

    fn mood(&self, frustration: f32) -> Color32 {
        if frustration < 0.35 {
            self.calm
        } else if frustration < 0.65 {
            self.tense
        } else {
            self.upset
        }
    }
}

/// Everything the card shows this frame.
pub struct CardView<'a> {
    /// The nudge and how visible it is (0-1, for the fade).
    pub nudge: Option<(&'a Nudge, f32)>,
    pub snoozed: bool,
    pub status: Option<&'a Status>,
    /// The indicators, when the config shows them and the pipeline sent any.
    pub mood: Option<(f32, Trend)>,
    pub agent_talk_share: Option<f32>,
    pub hovered: bool,
    /// The background's opacity now (the configured opacity, lower when idle).
    pub background_alpha: f32,
    /// How strongly the rest (idle text, indicators) is drawn, 0-1.
    pub presence: f32,
}

/// One way of filling the card; the first that fits is used.
#[derive(Clone, Copy, Debug)]
struct Fit {
    title_size: f32,
    title_rows: usize,
    phrase_size: f32,
    phrase_rows: usize,
    indicators: bool,
    status: bool,
}

const FITS: [Fit; 10] = [
    fit(24.0, 2, 15.0, 2, true, true),
    fit(22.0, 2, 14.0, 2, true, true),
    fit(22.0, 2, 14.0, 1, true, true),
    fit(20.0, 2, 13.0, 1, true, true),
    fit(20.0, 2, 13.0, 1, false, true),
    fit(18.0, 2, 13.0, 1, false, true),
    fit(17.0, 2, 0.0, 0, false, true),
    fit(16.0, 2, 0.0, 0, false, false),
    fit(15.0, 3, 0.0, 0, false, false),
    fit(14.0, 3, 0.0, 0, false, false),
];

const fn fit(
    title_size: f32,
    title_rows: usize,
    phrase_size: f32,
    phrase_rows: usize,
    indicators: bool,
    status: bool,
) -> Fit {
    Fit {
        title_size,
        title_rows,
        phrase_size,
        phrase_rows,
        indicators,
        status,
    }
}

/// Paints the card over `rect` (the whole window).
pub fn paint(painter: &Painter, rect: Rect, view: &CardView<'_>, palette: &Palette) {
    let radius = CornerRadius::same(CORNER_RADIUS);
    painter.rect_filled(
        rect,
        radius,
        palette.background.gamma_multiply(view.background_alpha),
    );
    painter.rect_stroke(
        rect.shrink(0.5),
        radius,
        Stroke::new(1.0, palette.border.gamma_multiply(view.background_alpha)),
        StrokeKind::Inside,
    );

    let inner = rect.shrink2(vec2(PADDING_X, PADDING_Y));
    let text_left = inner.left() + ACCENT_WIDTH + ACCENT_GAP;
    let text_width = (inner.right() - text_left).max(1.0);
    let show_hint = view.hovered && !view.snoozed;
    let has_indicators = view.mood.is_some() || view.agent_talk_share.is_some();
    let presence = view.presence;

    // The main block: the nudge, or the snooze line.
    let (title, phrase, accent, visibility, idle) = match (view.nudge, view.snoozed) {
        (Some((nudge, visibility)), _) => (
            nudge.text.as_str(),
            nudge.phrase.as_str(),
            palette.accent(nudge.id),
            visibility,
            false,
        ),
        (None, true) => (
            "Snoozed until the call ends",
            "",
            palette.muted,
            presence,
            true,
        ),
        (None, false) => ("", "", palette.muted, presence, true),
    };

    let mut chosen = None;
    for fit in FITS {
        let title_size = if idle {
            fit.title_size.min(16.0)
        } else {
            fit.title_size
        };
        let title_galley = (!title.is_empty()).then(|| {
            layout(
                painter,
                title,
                title_size,
                palette.title,
                text_width,
                fit.title_rows,
            )
        });
        let phrase_galley = (!phrase.is_empty() && fit.phrase_rows > 0).then(|| {
            layout(
                painter,
                phrase,
                fit.phrase_size,
                palette.phrase,
                text_width,
                fit.phrase_rows,
            )
        });
        let rows = usize::from(fit.status && view.status.is_some())
            + usize::from(fit.indicators && (has_indicators || show_hint));
        let block = title_galley.as_ref().map_or(0.0, |g| g.size().y)
            + phrase_galley
                .as_ref()
                .map_or(0.0, |g| PHRASE_GAP + g.size().y);
        let footer = rows as f32 * ROW_HEIGHT + rows.saturating_sub(1) as f32 * ROW_GAP;
        let gap = if block > 0.0 && rows > 0 {
            ROW_GAP
        } else {
            0.0
        };
        let fits = block + gap + footer <= inner.height() + 0.5;
        let elided = title_galley.as_ref().is_some_and(|g| g.elided);
        chosen = Some((fit, title_galley, phrase_galley, block, footer, gap));
        if fits && !elided {
            break;
        }
    }
    let Some((fit, title_galley, phrase_galley, block, footer, gap)) = chosen else {
        return;
    };

    // Vertical placement: the footer rows at the bottom, the block centred above them;
    // with no block, the rows are centred.
    let footer_top = if block > 0.0 {
        inner.bottom() - footer
    } else {
        inner.center().y - footer / 2.0
    };
    let block_area_bottom = if footer > 0.0 {
        footer_top - gap
    } else {
        inner.bottom()
    };
    let block_top = inner.top() + ((block_area_bottom - inner.top()) - block).max(0.0) / 2.0;

    let painter = painter.with_clip_rect(rect);
    if let Some(galley) = title_galley {
        let title_color = if idle { palette.muted } else { palette.title };
        let pos = pos2(text_left, block_top);
        let height = galley.size().y;
        paint_text(
            &painter,
            pos,
            galley,
            title_color.gamma_multiply(visibility),
            !idle,
        );
        if !idle {
            let stripe = Rect::from_min_size(
                pos2(inner.left(), block_top + 2.0),
                vec2(ACCENT_WIDTH, (block - 4.0).max(height - 4.0)),
            );
            painter.rect_filled(
                stripe,
                CornerRadius::same(2),
                accent.gamma_multiply(visibility),
            );
        } else if view.snoozed {
            paint_snooze_icon(
                &painter,
                pos2(inner.left(), block_top),
                height,
                palette,
                visibility,
            );
        }
        if let Some(phrase) = phrase_galley {
            let pos = pos2(text_left, block_top + height + PHRASE_GAP);
            paint_text(
                &painter,
                pos,
                phrase,
                palette.phrase.gamma_multiply(visibility),
                false,
            );
        }
    }

    let mut row_top = footer_top;
    if fit.status {
        if let Some(status) = view.status {
            paint_status(
                &painter,
                row_rect(inner, row_top),
                status,
                palette,
                presence,
            );
            row_top += ROW_HEIGHT + ROW_GAP;
        }
    }
    if fit.indicators && (has_indicators || show_hint) {
        let row = row_rect(inner, row_top);
        if show_hint {
            let hint = "Click: snooze for this call  ·  Drag: move";
            let galley = layout(&painter, hint, SMALL_TEXT, palette.muted, row.width(), 1);
            paint_text(
                &painter,
                row.left_center() - vec2(0.0, galley.size().y / 2.0),
                galley,
                palette.muted,
                false,
            );
        } else {
            paint_indicators(&painter, row, view, palette, presence);
        }
    }

    // With nothing to say, a quiet name so the card is not an empty box.
    if block <= 0.0 && footer <= 0.0 {
        let text = if show_hint {
            "callcue  ·  click: snooze  ·  drag: move"
        } else {
            "callcue"
        };
        painter.text(
            inner.center(),
            Align2::CENTER_CENTER,
            text,
            FontId::proportional(13.0),
            palette.muted.gamma_multiply(presence),
        );
    }

    if view.hovered {
        paint_grip(&painter, rect, palette);
    }
}

fn row_rect(inner: Rect, top: f32) -> Rect {
    Rect::from_min_size(pos2(inner.left(), top), vec2(inner.width(), ROW_HEIGHT))
}

fn layout(
    painter: &Painter,
    text: &str,
    size: f32,
    color: Color32,
    width: f32,
    max_rows: usize,
) -> Arc<Galley> {
    let mut job = LayoutJob::simple(text.to_owned(), FontId::proportional(size), color, width);
    job.wrap.max_rows = max_rows.max(1);
    painter.layout_job(job)
}

/// Paints text; `strong` draws it a second time slightly to the right (about 0.8 points,
/// whole physical pixels), a heavier stroke for the glanceable line: the built-in font has
/// one, light, weight.
fn paint_text(painter: &Painter, pos: Pos2, galley: Arc<Galley>, color: Color32, strong: bool) {
    let pixels_per_point = painter.pixels_per_point();
    let pos = pos.round_to_pixels(pixels_per_point);
    if strong {
        let offset = (pixels_per_point * 0.8).round().max(1.0) / pixels_per_point;
        painter.galley_with_override_text_color(pos + vec2(offset, 0.0), galley.clone(), color);
    }
    painter.galley_with_override_text_color(pos, galley, color);
}

fn paint_status(painter: &Painter, row: Rect, status: &Status, palette: &Palette, presence: f32) {
    let color = if status.warning {
        palette.warning
    } else {
        palette.muted
    };
    let dot = 7.0;
    let center = pos2(row.left() + dot / 2.0, row.center().y);
    if status.warning {
        // A small warning triangle.
        let h = dot * 1.2;
        let points = vec![
            pos2(center.x, center.y - h / 2.0),
            pos2(center.x + dot / 2.0 + 1.0, center.y + h / 2.0),
            pos2(center.x - dot / 2.0 - 1.0, center.y + h / 2.0),
        ];
        painter.add(egui::Shape::convex_polygon(points, color, Stroke::NONE));
    } else {
        painter.circle_filled(center, dot / 2.0 - 0.5, color.gamma_multiply(presence));
    }
    let left = row.left() + dot + 7.0;
    let galley = layout(
        painter,
        &status.text,
        SMALL_TEXT + 0.5,
        color,
        row.right() - left,
        1,
    );
    let pos = pos2(left, row.center().y - galley.size().y / 2.0);
    // Warnings are never dimmed: they matter while the card is idle too.
    let text_color = if status.warning {
        color
    } else {
        color.gamma_multiply(presence)
    };
    paint_text(painter, pos, galley, text_color, status.warning);
}

fn paint_indicators(
    painter: &Painter,
    row: Rect,
    view: &CardView<'_>,
    palette: &Palette,
    presence: f32,
) {
    let muted = palette.muted.gamma_multiply(presence);
    let bar = vec2(40.0, 6.0);
    let y = row.center().y;
    let mut x = row.left();
    if let Some((frustration, trend)) = view.mood {
        let label = painter.text(
            pos2(x, y),
            Align2::LEFT_CENTER,
            "Caller",
            FontId::proportional(SMALL_TEXT),
            muted,
        );
        x = label.right() + 6.0;
        let color = palette.mood(frustration).gamma_multiply(presence);
        paint_bar(
            painter,
            pos2(x, y),
            bar,
            frustration,
            color,
            palette.track.gamma_multiply(presence),
        );
        x += bar.x + 8.0;
        let arrow = 9.0;
        let (from, to, color) = match trend {
            Trend::Rising => (
                pos2(x + arrow / 2.0, y + arrow / 2.0),
                pos2(x + arrow / 2.0, y - arrow / 2.0),
                color,
            ),
            Trend::Easing => (
                pos2(x + arrow / 2.0, y - arrow / 2.0),
                pos2(x + arrow / 2.0, y + arrow / 2.0),
                palette.calm.gamma_multiply(presence),
            ),
            Trend::Steady => (pos2(x, y), pos2(x + arrow, y), muted),
        };
        painter.arrow(from, to - from, Stroke::new(1.6, color));
        x += arrow + 18.0;
    }
    if let Some(share) = view.agent_talk_share {
        let label = painter.text(
            pos2(x, y),
            Align2::LEFT_CENTER,
            "You talk",
            FontId::proportional(SMALL_TEXT),
            muted,
        );
        x = label.right() + 6.0;
        let fill = if palette.dark {
            palette.phrase
        } else {
            palette.muted
        };
        paint_bar(
            painter,
            pos2(x, y),
            bar,
            share,
            fill.gamma_multiply(presence),
            palette.track.gamma_multiply(presence),
        );
        x += bar.x + 6.0;
        painter.text(
            pos2(x, y),
            Align2::LEFT_CENTER,
            format!("{:.0}%", share * 100.0),
            FontId::proportional(SMALL_TEXT),
            muted,
        );
    }
}

fn paint_bar(
    painter: &Painter,
    left_center: Pos2,
    size: egui::Vec2,
    value: f32,
    fill: Color32,
    track: Color32,
) {
    let rect = Rect::from_min_size(left_center - vec2(0.0, size.y / 2.0), size);
    let radius = CornerRadius::same((size.y / 2.0) as u8);
    painter.rect_filled(rect, radius, track);
    let filled = Rect::from_min_size(
        rect.min,
        vec2((size.x * value.clamp(0.0, 1.0)).max(size.y), size.y),
    );
    painter.rect_filled(filled, radius, fill);
}

fn paint_snooze_icon(
    painter: &Painter,
    top_left: Pos2,
    height: f32,
    palette: &Palette,
    alpha: f32,
) {
    // Two short bars: "paused".
    let bar_height = (height * 0.5).min(12.0);
    let top = top_left.y + (height - bar_height) / 2.0;
    for dx in [0.0, 5.0] {
        let bar = Rect::from_min_size(pos2(top_left.x + dx, top), vec2(2.5, bar_height));
        painter.rect_filled(
            bar,
            CornerRadius::same(1),
            palette.muted.gamma_multiply(alpha),
        );
    }
}

fn paint_grip(painter: &Painter, rect: Rect, palette: &Palette) {
    let corner = rect.right_bottom() - vec2(4.0, 4.0);
    for step in [4.0, 8.0] {
        painter.line_segment(
            [corner - vec2(step, 0.0), corner - vec2(0.0, step)],
            Stroke::new(1.0, palette.muted),
        );
    }
}
