"""What marketing acts on (stage `value`): expected revenue (`expected_revenue`, BTYD models)
with its holdout check (`holdout`) and trust (`trust`), the +10 % plan (`plan`), classic RFM
scores (`rfm_scores`), movement between segments (`movement`), the campaign export
(`campaign`), their files and figures, and the stage (`run`)."""
