"""What marketing acts on, as pure functions on frames: expected revenue (BTYD models) and its
holdout check, the +10 % plan, classic RFM scores, movement between segments, campaign export."""
