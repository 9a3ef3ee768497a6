"""The kits every step uses: configuration (`config`, `validation`), the artifact catalog
(`catalog`: every pipeline path, atomic writes), the one-line error contract (`errors`), money
in the data's currency, progress bars, DVC metrics files, the one row sampler, the git commit
and one look for every figure (`figure_style`)."""
