"""The offline marketing dashboard: one self-contained HTML file (data, Plotly and the app inlined)."""
