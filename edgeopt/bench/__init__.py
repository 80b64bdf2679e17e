"""The benchmark harness: methods side by side, gaps, time ratios, reports."""
