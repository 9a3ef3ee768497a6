"""Files in the public real layouts, built by the tests themselves (no network): CDNOW-style text,
a customer/date/amount CSV, the Olist folder."""
