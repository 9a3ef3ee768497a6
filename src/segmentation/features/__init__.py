"""Customer features as of a date: RFM and extras (`rfm`), the dates that cut the data
(`cutoffs`), the table a step works on (`customer_table`), which customers and columns a model
sees (`selection`: the wholesaler rule, transforms, scalers), product categories and interest
features (`categories`, `interests`), precomputed tables (`precomputed`), and the stages
`categories`, `features` and `snapshots` (`run`)."""
