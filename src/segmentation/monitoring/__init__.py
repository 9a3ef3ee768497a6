"""The maintenance contract run month by month (stage `monitor`, command `monitor`): the deployed
segmentation (the champion, or the pipeline's own model) checked against the data up to a date
(`check`, the segment `transitions`), its noise band kept with the deployment (`deployment`), a
history of the checks (`history`), and the replay of every month after the baseline comparing
refresh policies (`replay`)."""
