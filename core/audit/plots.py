"""Plot builders for the audit: records in, plotly figures out.

The app and the HTML report use these same builders. Colours and words come
from :mod:`core.theme`; student is blue, outcome model orange.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core import theme
from core.audit.calibration import CalibrationResult
from core.audit.missing import MissingFeatureTest
from core.audit.shapes import MISSING_LABEL, PairShape, TermShape

L = theme.LABELS


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


TITLED_TOP_MARGIN = 110 + theme.MODEBAR_CLEARANCE - 14  # room for the toolbar strip, a title and legend row(s)
LEGEND_TOP = 44 + theme.MODEBAR_CLEARANCE - 14  # px from the figure's top edge to a titled figure's legend


def _layout(**overrides) -> dict:
    """theme.plotly_layout with a top margin that keeps the title clear of the legend."""
    layout = theme.plotly_layout(**overrides)
    if "title" in overrides:
        # Pinned below the toolbar strip: plotly centres an unpinned title in the margin, where legend rows reach.
        title = overrides["title"]
        layout["title"] = theme.title(title if isinstance(title, str) else title["text"])
    if "title" in overrides and "margin" not in overrides:
        layout["margin"] = {**layout.get("margin", {}), "t": TITLED_TOP_MARGIN}
        if "legend" not in overrides and "height" in overrides:
            # Legend rows hang from just under the title, clear of subplot titles at the plot's top edge.
            layout["legend"] = {**layout["legend"], "yref": "container", "yanchor": "top",
                                "y": 1 - LEGEND_TOP / overrides["height"]}
    return layout


# Odds multipliers for axis ticks, in order of preference (round factors first).
ODDS_TIERS = ((1, 0.1, 10, 0.01, 100), (0.5, 2, 0.2, 5, 0.02, 50, 0.05, 20),
              (2 / 3, 1.5, 1 / 3, 3, 0.25, 4), (0.8, 1.25, 0.9, 1.1), (0.95, 1.05),
              tuple(k * 10.0 ** e for e in range(-9, 9) for k in (1, 1.2, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8)))
MAX_ODDS_TICKS = 7


def odds_ticks(low: float, high: float) -> dict:
    """Axis ticks for log-odds values in [low, high], labelled as odds multipliers (``×2``, ``×0.5``).

    The axis stays in log-odds, where the models add up, so equal steps mean equal
    factors; readers see the factor. Round factors are placed first, and a tick is
    kept only if it lies at least 1/``MAX_ODDS_TICKS`` of the range from every
    tick already placed, so the labels never crowd.
    """
    span = max(high - low, 1e-9)
    low, high, gap = low - 0.05 * span, high + 0.05 * span, span / MAX_ODDS_TICKS
    chosen: list[float] = []
    for i, tier in enumerate(ODDS_TIERS):
        if i == len(ODDS_TIERS) - 1 and len(chosen) >= 3:
            break  # the last tier, 1-2-5-like steps over every decade, only fills a range far from ×1
        for m in tier:
            v = float(np.log(m))
            if low <= v <= high and all(abs(v - c) >= gap for c in chosen):
                chosen.append(v)
    chosen.sort()
    return dict(tickvals=chosen, ticktext=[_factor_text(float(np.exp(v))) for v in chosen])


def _factor_text(m: float) -> str:
    """×0.67, ×0.00012, ×1.25, ×1,500: two significant digits below 1, three above, never an exponent."""
    if m < 1:
        text = f"{m:.{max(2, 1 - int(np.floor(np.log10(m))))}f}".rstrip("0").rstrip(".")
    else:
        text = f"{m:.3g}" if m < 999.5 else f"{m:,.0f}"
    return f"×{text}"


def _odds_range(*arrays) -> tuple[float, float]:
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays if a is not None and len(a)]
                            or [np.empty(0)])  # a term whose only bin is "missing" draws nothing here
    values = values[np.isfinite(values)]
    return (float(values.min()), float(values.max())) if values.size else (-1.0, 1.0)


def _odds_hover(which: str) -> str:
    return f"%{{x}}<br>{L[which].split(' (')[0]}: odds ×%{{customdata:.2f}} (log-odds %{{y:+.2f}})<extra></extra>"


def _flag_suffix(differs: bool) -> str:
    """Words and a mark for a flagged term's title: the flag never rests on colour alone."""
    return f" — {theme.FLAG_MARK} {L['flagged'].lower()}" if differs else ""


def _band(x, low, high, colour, name, group, show=True):
    return [
        go.Scatter(x=list(x), y=list(high), mode="lines", line=dict(width=0, shape="hv"), hoverinfo="skip",
                   showlegend=False, legendgroup=group),
        go.Scatter(x=list(x), y=list(low), mode="lines", line=dict(width=0, shape="hv"), fill="tonexty",
                   fillcolor=_rgba(colour, 0.18), name=name, hoverinfo="skip", showlegend=show, legendgroup=group),
    ]


def reliability_figure(result: CalibrationResult, group: str = "All") -> go.Figure:
    """Observed outcome rate against the calibrated probability, before and after, with bin counts."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Before calibration: raw score", "After calibration"),
                        horizontal_spacing=0.12)
    for col, stage in ((1, "before"), (2, "after")):
        table = result.table(stage, group)
        if table is None:
            continue
        colour = theme.DIFFERENCE if stage == "before" else theme.STUDENT
        fig.add_trace(go.Scatter(
            x=list(table.mean_score), y=list(table.observed_rate), mode="markers+lines",
            marker=dict(size=[6 + 14 * np.sqrt(c / max(table.count)) for c in table.count], color=colour),
            line=dict(color=colour), name=f"{group}: {stage}", customdata=list(zip(table.bin_label, table.count)),
            hovertemplate="bin %{customdata[0]}<br>mean %{x:.3g}<br>observed %{y:.1%}<br>%{customdata[1]} rows"
                          "<extra></extra>", showlegend=False), row=1, col=col)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=theme.DENSITY, dash="dash"),
                             name=L["perfect"]), row=1, col=2)
    fig.update_xaxes(title_text=L["raw_score"], row=1, col=1)
    fig.update_xaxes(title_text=L["calibrated"], range=[0, 1], row=1, col=2)
    fig.update_yaxes(title_text=L["observed_rate"], tickformat=".0%", range=[0, 1])
    fig.update_layout(**_layout(title=f"Does the score match what happened? ({group}, "
                                                  f"{result.evaluated_on}; dot size = rows)", height=420))
    return fig


def reliability_by_group_figure(result: CalibrationResult, stage: str = "after") -> go.Figure:
    """One reliability line per protected group (after calibration by default).

    Each line has its own colour and marker symbol ("All" is thick black); a
    group too small for a verdict (``calibration.group_too_small``) is dotted
    and says so in its legend entry.
    """
    from core.audit.calibration import group_too_small

    fig = go.Figure()
    groups = [t for t in result.reliability if t.stage == stage]
    others = [t for t in groups if t.group != "All"]
    for table in groups:
        n = sum(table.count)
        if table.group == "All":
            colour, symbol, width, dash = theme.ALL_ROWS, "circle-open", 3.5, "solid"
        else:
            i = others.index(table)
            colour, symbol, width = theme.GROUPS[i % len(theme.GROUPS)], theme.GROUP_SYMBOLS[i % len(theme.GROUP_SYMBOLS)], 2
            dash = "dot" if group_too_small(table) else "solid"
        name = f"{table.group} ({n:,} rows{': too few for a verdict' if dash == 'dot' else ''})"
        fig.add_trace(go.Scatter(
            x=list(table.mean_score), y=list(table.observed_rate), mode="markers+lines", name=name,
            line=dict(color=colour, width=width, dash=dash), marker=dict(color=colour, symbol=symbol, size=8),
            customdata=list(table.count), hovertemplate="%{x:.3g} → %{y:.1%} (%{customdata} rows)<extra></extra>"))
    if stage == "after":
        fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(color=theme.DENSITY, dash="dash"),
                                 name=L["perfect"]))
    fig.update_layout(**_layout(
        title="Calibration per group", height=420,
        xaxis_title=L["calibrated"] if stage == "after" else L["raw_score"],
        yaxis=dict(title=L["observed_rate"], tickformat=".0%", range=[0, 1])))
    return fig


def calibration_mapping_figure(result: CalibrationResult) -> go.Figure:
    """The calibration curve (score -> probability) over the observed rate per score."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=list(result.empirical_score), y=list(result.empirical_rate), mode="markers",
                             marker=dict(color=theme.DIFFERENCE, size=[5 + 12 * np.sqrt(c / max(result.empirical_count))
                                                                      for c in result.empirical_count]),
                             name="Observed rate", customdata=list(result.empirical_count),
                             hovertemplate="score %{x:.3g}: %{y:.1%} of %{customdata} rows<extra></extra>"))
    fig.add_trace(go.Scatter(x=list(result.mapping_score), y=list(result.mapping_probability), mode="lines",
                             line=dict(color=theme.STUDENT, width=3, shape="hv" if result.method == "isotonic" else
                                       "linear"), name=f"Calibration ({result.method})"))
    fig.update_layout(**_layout(title="How the score becomes a probability", height=400,
                                            xaxis_title=L["raw_score"],
                                            yaxis=dict(title=L["calibrated"], tickformat=".0%", range=[0, 1])))
    return fig


def _x(term: TermShape):
    """Numeric x (bin edges, for step plots) without the missing point."""
    keep = [i for i, g in enumerate(term.grid) if g != MISSING_LABEL]
    return keep


def _term_xy(term: TermShape):
    """x values, a y-picker and the line shape for drawing ``term`` (missing point left out)."""
    keep = _x(term)
    if term.kind == "continuous":
        x = [term.grid_low[i] for i in keep] + [term.grid_high[keep[-1]]]

        def y(v):
            return [v[i] for i in keep] + [v[keep[-1]]]
        return keep, x, y, "hv"
    x = [str(term.grid[i]) for i in keep]

    def y(v):
        return [v[i] for i in keep]
    return keep, x, y, "linear"


def _model_traces(term: TermShape, which: str, show_legend: bool = True) -> list:
    """Line (or points) with its 95% band for the student or the outcome model."""
    _, x, y, shape = _term_xy(term)
    colour = theme.STUDENT if which == "student" else theme.OUTCOME
    mid, lo, hi = (getattr(term, which), getattr(term, f"{which}_low"), getattr(term, f"{which}_high"))
    if term.kind == "continuous":
        return _band(x, y(lo), y(hi), colour, f"{L[which].split(' (')[0]}: {L['interval']}", which, show_legend) + [
            go.Scatter(x=x, y=y(mid), mode="lines", line=dict(color=colour, width=2.5, shape=shape), name=L[which],
                       customdata=np.exp(y(mid)), hovertemplate=_odds_hover(which),
                       legendgroup=which, showlegend=show_legend)]
    return [go.Scatter(x=x, y=y(mid), mode="markers", marker=dict(color=colour, size=10), name=L[which],
                       customdata=np.exp(y(mid)), hovertemplate=_odds_hover(which),
                       error_y=dict(type="data", symmetric=False, array=[h - m for h, m in zip(y(hi), y(mid))],
                                    arrayminus=[m - lo_ for m, lo_ in zip(y(mid), y(lo))]),
                       legendgroup=which, showlegend=show_legend)]


def _truth_traces(term: TermShape, truth, which=("black_box", "outcome"), show_legend: bool = True) -> list:
    """The synthetic scenario's true shapes (black; dashed for the black box, dotted for outcomes)."""
    tx = list(truth.grid) if term.kind == "continuous" else [str(g) for g in truth.grid]
    traces = []
    if "black_box" in which:
        traces.append(go.Scatter(x=tx, y=list(truth.black_box), mode="lines+markers" if term.kind != "continuous"
                                 else "lines", line=dict(color=theme.TRUTH, dash="dash"), marker=dict(symbol="x"),
                                 name=f"{L['truth']} (black box, outcome scale)", legendgroup="truth_bb", showlegend=show_legend))
    if "outcome" in which and (truth.outcome != truth.black_box or "black_box" not in which):
        traces.append(go.Scatter(x=tx, y=list(truth.outcome), mode="lines", line=dict(color=theme.TRUTH, dash="dot"),
                                 name=f"{L['truth']} (outcome)", legendgroup="truth_o", showlegend=show_legend))
    return traces


def _density_trace(term: TermShape) -> go.Bar:
    keep, x, _, _ = _term_xy(term)
    w = [term.weight[i] for i in keep]
    bx = [(term.grid_low[i] + term.grid_high[i]) / 2 for i in keep] if term.kind == "continuous" else x
    return go.Bar(x=bx, y=w, marker_color=theme.DENSITY, name=L["rows"], showlegend=False,
                  hovertemplate="%{y:.0f} rows<extra></extra>")


def _missing_note(fig: go.Figure, term: TermShape) -> None:
    if MISSING_LABEL in term.grid:
        i = term.grid.index(MISSING_LABEL)
        fig.add_annotation(text=f"Missing values: student {term.student[i]:+.2f}, outcome {term.outcome[i]:+.2f}",
                           xref="paper", yref="paper", x=1, y=1.0, showarrow=False, xanchor="right")


def _shape_range(term: TermShape, truth=None, show_bags: bool = False) -> tuple[float, float]:
    """Lowest and highest log-odds a term's shape chart draws (missing point left out)."""
    keep = _x(term)
    drawn = [[getattr(term, f"{w}{end}")[i] for i in keep]
             for w in ("student", "outcome") for end in ("", "_low", "_high")]
    if show_bags:
        drawn += [[bag[i] for i in keep] for bag in term.student_bags]
    if truth is not None:
        drawn += [truth.black_box, truth.outcome]
    return _odds_range(*drawn)


def term_shape_figure(term: TermShape, truth=None, show_bags: bool = False) -> go.Figure:
    """Student and outcome model for one term, overlaid, with 95% bands and a row-density strip.

    Parameters
    ----------
    term : TermShape
    truth : TrueShape, optional
        Overlay of a synthetic scenario's true shapes (black dashed).
    show_bags : bool
        Thin lines for the student refitted on each outer bag (stability).
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.82, 0.18], vertical_spacing=0.04)
    _, x, y, shape = _term_xy(term)
    for which in ("student", "outcome"):
        for tr in _model_traces(term, which):
            fig.add_trace(tr, row=1, col=1)
    if show_bags:
        for b, bag in enumerate(term.student_bags):
            fig.add_trace(go.Scatter(x=x, y=y(bag), mode="lines" if term.kind == "continuous" else "markers",
                                     line=dict(color=_rgba(theme.STUDENT, 0.35), width=1, shape=shape),
                                     marker=dict(color=_rgba(theme.STUDENT, 0.35), size=5),
                                     name=L["bags"], legendgroup="bags", showlegend=b == 0, hoverinfo="skip"),
                          row=1, col=1)
    if truth is not None:
        for tr in _truth_traces(term, truth):
            fig.add_trace(tr, row=1, col=1)
    fig.add_hline(y=0, line=dict(color="#999", width=1), row=1, col=1)
    fig.add_trace(_density_trace(term), row=2, col=1)
    flag = _flag_suffix(term.differs)
    fig.update_layout(**_layout(
        title=f"{term.name}: what the score uses vs what outcomes justify{flag}", height=480, bargap=0.05))
    fig.update_yaxes(title_text=L["logit"], row=1, col=1, **odds_ticks(*_shape_range(term, truth, show_bags)))
    fig.update_yaxes(title_text=L["rows"], row=2, col=1)
    fig.update_xaxes(title_text=term.name, row=2, col=1)
    _missing_note(fig, term)
    return fig


def term_side_by_side_figure(term: TermShape, truth=None) -> go.Figure:
    """Student (left) and outcome model (right) for one term in two panels on one shared y axis.

    Same bands, colours and density strips as :func:`term_shape_figure`; the
    truth overlay, when given, shows the black box's true shape beside the
    student and the true outcome shape beside the outcome model.
    """
    fig = make_subplots(rows=2, cols=2, shared_yaxes="rows", shared_xaxes="columns", row_heights=[0.82, 0.18],
                        vertical_spacing=0.04, horizontal_spacing=0.05,
                        subplot_titles=(L["student_short"], L["outcome_short"], "", ""))  # the legend has the rest
    for col, which, true_part in ((1, "student", "black_box"), (2, "outcome", "outcome")):
        for tr in _model_traces(term, which):
            fig.add_trace(tr, row=1, col=col)
        if truth is not None:
            for tr in _truth_traces(term, truth, which=(true_part,)):
                fig.add_trace(tr, row=1, col=col)
        fig.add_hline(y=0, line=dict(color="#999", width=1), row=1, col=col)
        fig.add_trace(_density_trace(term), row=2, col=col)
        fig.update_xaxes(title_text=term.name, row=2, col=col)
    flag = _flag_suffix(term.differs)
    fig.update_layout(**_layout(
        title=f"{term.name}: the score's use (left) and what outcomes justify (right){flag}", height=500,
        bargap=0.05, legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0)))
    fig.update_yaxes(title_text=L["logit"], row=1, col=1, **odds_ticks(*_shape_range(term, truth)))
    fig.update_yaxes(title_text=L["rows"], row=2, col=1)
    _missing_note(fig, term)
    return fig


def difference_figure(term: TermShape) -> go.Figure:
    """Scaled student minus outcome model for one term, with the simultaneous 95% band the flag uses."""
    keep = _x(term)
    fig = go.Figure()
    if term.kind == "continuous":
        x = [term.grid_low[i] for i in keep] + [term.grid_high[keep[-1]]]

        def y(v):
            return [v[i] for i in keep] + [v[keep[-1]]]
        for tr in _band(x, y(term.band_low), y(term.band_high), theme.DIFFERENCE, L["band"], "d"):
            fig.add_trace(tr)
        fig.add_trace(go.Scatter(x=x, y=y(term.difference), mode="lines", line=dict(color=theme.DIFFERENCE,
                                 width=2.5, shape="hv"), name=L["difference"],
                                 customdata=np.exp(y(term.difference)), hovertemplate=_odds_hover("difference")))
    else:
        x = [str(term.grid[i]) for i in keep]
        d = [term.difference[i] for i in keep]
        fig.add_trace(go.Scatter(x=x, y=d, mode="markers", marker=dict(color=theme.DIFFERENCE, size=10),
                                 name=L["difference"], customdata=np.exp(d), hovertemplate=_odds_hover("difference"),
                                 error_y=dict(
                                     type="data", symmetric=False,
                                     array=[term.band_high[i] - term.difference[i] for i in keep],
                                     arrayminus=[term.difference[i] - term.band_low[i] for i in keep])))
    fig.add_hline(y=0, line=dict(color=theme.FLAG if term.differs else "#999", width=1, dash="dot"))
    fig.update_layout(**_layout(
        title=f"{term.name}: gap between the models ({term.differs_share:.0%} of rows show a material gap)"
              f"{_flag_suffix(term.differs)}",
        height=360, xaxis_title=term.name))
    drawn = [[getattr(term, a)[i] for i in keep] for a in ("difference", "band_low", "band_high")]
    fig.update_yaxes(title_text=L["odds_gap"], **odds_ticks(*_odds_range(*drawn)))
    return fig


def pair_heatmaps_figure(pair: PairShape) -> go.Figure:
    """Student, outcome model and their difference for one pair, side by side, on one colour scale."""
    # Short panel titles: the full labels are wider than a third of a laptop screen and ran into each other.
    fig = make_subplots(rows=1, cols=3, subplot_titles=(L["student_short"], L["outcome_short"],
                                                        L["difference_short"]),
                        horizontal_spacing=0.04, shared_yaxes=True)  # row labels once, not over the next panel
    lim = max(1e-9, float(np.nanmax(np.abs([pair.student, pair.outcome, pair.difference]))))
    for col, z in enumerate((pair.student, pair.outcome, pair.difference), start=1):
        fig.add_trace(go.Heatmap(z=[list(r) for r in z], x=list(pair.x_grid), y=list(pair.y_grid),
                                 colorscale=theme.DIVERGING, zmin=-lim, zmax=lim, showscale=col == 3,
                                 colorbar=dict(title="odds ×", **odds_ticks(-lim, lim)),
                                 customdata=np.exp(np.asarray(z, dtype=float)),
                                 hovertemplate=f"{pair.features[0]} %{{x}}<br>{pair.features[1]} %{{y}}<br>"
                                               "odds ×%{customdata:.2f} (log-odds %{z:+.2f})<extra></extra>"),
                      row=1, col=col)
        fig.update_xaxes(title_text=pair.features[0], type="category", row=1, col=col)
    fig.update_yaxes(title_text=pair.features[1], type="category", row=1, col=1)
    fig.update_layout(**_layout(title=f"Interaction {pair.name} (after moving main effects out)"
                                      f"{_flag_suffix(pair.differs)}", height=420,
                                margin=dict(l=60, r=20, t=70 + theme.MODEBAR_CLEARANCE, b=50)))  # no legend
    return fig


def discrepancy_ranking_figure(terms) -> go.Figure:
    """Terms ordered by how much the models disagree, with intervals; flagged terms highlighted."""
    terms = sorted(terms, key=lambda t: (t.differs, t.discrepancy_sq))
    fig = go.Figure(go.Bar(
        y=[t.name for t in terms], x=[t.discrepancy for t in terms], orientation="h",
        marker_color=[theme.FLAG if t.differs else theme.DENSITY for t in terms],
        error_x=dict(type="data", symmetric=False, array=[t.discrepancy_high - t.discrepancy for t in terms],
                     arrayminus=[t.discrepancy - t.discrepancy_low for t in terms]),
        customdata=[[L["flagged"] if t.differs else L["not_flagged"], t.differs_share, np.exp(t.discrepancy)]
                    for t in terms],
        hovertemplate="%{y}: typical gap odds ×%{customdata[2]:.2f} (root-mean-square %{x:.3f} log-odds)<br>"
                      "%{customdata[0]} (%{customdata[1]:.0%} of rows)<extra></extra>"))
    fig.update_layout(**_layout(
        title="Where the score departs from the outcomes (⚑ marks a material difference)",
        height=max(300, 28 * len(terms) + 120), xaxis_title=L["discrepancy"], showlegend=False))
    highest = max([t.discrepancy_high for t in terms] + [0.1])
    fig.update_xaxes(**odds_ticks(0.0, highest))
    # The mark sits in the term's label: beside the bar it collided with the interval's whisker.
    fig.update_yaxes(tickvals=[t.name for t in terms],
                     ticktext=[f"{theme.FLAG_MARK} {t.name}" if t.differs else t.name for t in terms])
    return fig


def residual_figure(test: MissingFeatureTest) -> go.Figure:
    """Held-out residuals of both models against each other (density heatmap for many rows)."""
    x, y = list(test.student_residual), list(test.outcome_residual)
    fig = go.Figure()
    if len(x) > 1500:
        fig.add_trace(go.Histogram2d(x=x, y=y, nbinsx=40, nbinsy=40, colorscale=theme.SEQUENTIAL,
                                     colorbar=dict(title=L["rows"])))
    else:
        fig.add_trace(go.Scatter(x=x, y=y, mode="markers", marker=dict(color=theme.STUDENT, opacity=0.4, size=5),
                                 name="held-out row"))
    undefined = test.undefined  # judged by core.audit.missing on every held-out row
    if len(x) > 2 and undefined is None:
        try:
            slope, icpt = np.polyfit(x, y, 1)
        except (np.linalg.LinAlgError, ValueError):  # "SVD did not converge" on near-degenerate residuals
            slope = icpt = None
        if slope is not None and np.isfinite([slope, icpt]).all():
            xs = np.linspace(min(x), max(x), 2)
            fig.add_trace(go.Scatter(x=xs, y=icpt + slope * xs, mode="lines", name="trend",
                                     # not FLAG's colour, which means a flagged term; white on the dark density map
                                     line=dict(color="#FFFFFF" if len(x) > 1500 else theme.DIFFERENCE, width=2)))
    p = test.get("pearson")
    stat = (f"r = {p.estimate:.2f} [{p.ci_low:.2f}, {p.ci_high:.2f}]" if undefined is None
            else "r is undefined")
    fig.update_layout(**_layout(
        title=f"Do both models miss on the same people? {stat}",
        height=420, xaxis_title=L["student_residual"], yaxis_title=L["outcome_residual"]))
    return fig
