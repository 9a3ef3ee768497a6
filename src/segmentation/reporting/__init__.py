"""What management and marketing read: segment names and actions, the HTML report, the
slide deck, and every figure (`plots/`)."""
