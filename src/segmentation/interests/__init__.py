"""What customers buy and when: product categories from descriptions (`categories`) and the
per-customer interest and seasonality features built on them (`features`)."""
