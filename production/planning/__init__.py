"""The pure MPS engine: numpy only, no Django.

`engine.run_mps(MpsBatch) -> MpsResult` plans a whole batch of end items at once; `reference.run_mps_reference`
is the same maths as a plain per-item loop (test oracle and benchmark baseline); `contract` is the
`mps_simulate` JSON contract (docs/mps-simulate.md) on top of both.

Choices made where the contract is silent (each is explained where it is implemented):
- a receipt is planned when projected available would fall below safety stock by more than 1e-9, so float
  noise never buys a lot (netting);
- a single fixed lot (`fixed_lot_repeats: false`) smaller than the shortfall leaves it short; the next period
  that may be planned adds another lot (lot_sizing);
- `eoq` honours `fixed_lot_repeats` exactly like `fixed` (lot_sizing);
- POQ places its receipt in the first period with a net requirement and covers that period and the next P-1,
  cut at the horizon (lot_sizing);
- `max_lot` caps after rounding, so a capped lot need not be a multiple (lot_sizing, contract order);
- releases of receipts in periods 1..lead time (firm planned orders only) fall before the horizon and are not
  shown (netting);
- ATP counts scheduled receipts as supply beside the MPS row; look-ahead covers a negative from the nearest
  earlier ATP first, and what cannot be covered stays negative where it arose (atp);
- RCCP load sits in the receipt period (rccp);
- input: min_lot 0, max_lot none, lot_multiple 1 and setup_per_lot 0 when omitted; unknown fields and
  negative series values are refused; on_hand may be negative (parse).
"""
