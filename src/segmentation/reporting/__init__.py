"""What management reads (stage `report`): the HTML report and the slide deck assembled from
every stage's outputs (`assemble`), their sections and plain-language texts (`*_text`,
`value_section`, `provenance`, `tastes`), the per-segment figures, and the stage (`run`)."""
