"""Charts and reports: server-rendered SVG pictures and cohort summaries over the clinical core."""
