"""Adding articles on the page: the summary of an ingest as HTML.

All of it is escaped: titles, file names and reasons come from the input. What one click
on "Add" brings in is `newsqa/intake.py` (shared with the REST API and MCP), the corpus
line `newsqa/corpus_stats.py`; the event that runs the ingest is in `page/events.py`.
"""

from pathlib import Path

from newsqa.corpus_stats import plural
from newsqa.intake import display_origin
from newsqa.present import escape_html


def ingest_summary_html(report, skipped_before: list, labels: dict[str, str],
                        upload_folder: Path) -> str:
    """Counts, then every added article, every skipped input with its reason, and warnings.

    All of it is escaped: titles, origins (file names) and reasons come from the input.
    """
    skipped = [*skipped_before, *report.skipped]
    counts = (f"{len(report.new)} new, {len(report.updated)} updated, "
              f"{len(report.unchanged)} unchanged, {len(skipped)} skipped")
    parts = [f'<p class="nq-counts"><strong>{escape_html(counts)}</strong> — '
             f"{plural(report.passages_written, 'passage')} written, "
             f"{report.passages_total:,} in the index ({report.seconds:.1f} s).</p>"]
    for heading, ids in (("New", report.new), ("Updated", report.updated)):
        if ids:
            items = "".join(f"<li>{escape_html(labels.get(i, i))}</li>" for i in ids[:20])
            more = f"<li>…and {len(ids) - 20} more</li>" if len(ids) > 20 else ""
            parts.append(f'<h4>{heading}</h4><ul class="nq-{heading.lower()}">{items}{more}</ul>')
    if skipped:
        items = "".join(f"<li><code>{escape_html(display_origin(s.origin, upload_folder))}</code>: "
                        f"{escape_html(s.reason)}</li>" for s in skipped)
        parts.append(f'<h4>Skipped</h4><ul class="nq-skipped">{items}</ul>')
    warnings = report.warnings
    if warnings:
        items = "".join(f"<li>{escape_html(display_origin(str(w), upload_folder))}</li>"
                        for w in warnings)
        parts.append(f'<h4>Warnings</h4><ul class="nq-warnings">{items}</ul>')
    return f'<div class="nq-ingest">{"".join(parts)}</div>'


