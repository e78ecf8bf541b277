"""The annual budget's planning maths (no Django): whole arrays over all products x all weeks of the fiscal year.

    inputs.YearInputs      what the year is planned from (read by sop_portal/budgeting/base_inputs.py)
    deltas.apply           a scenario's deltas on top of the base inputs, base arrays untouched
    plan.compute           the year's plan with the portal's engines (consensus demand, MPS, rough-cut load,
                           warehouse projection) and the money (money.py)
    summary.summarise      the monthly JSON of docs/budgeting.md "The summary"; summary.family_detail drills down
    parts                  each department's figures, their fingerprints and the largest figure that moved
    fiscal_weeks           the fiscal year's ISO weeks and their months
    synthetic.year_inputs  believable inputs of any size for tests, UI work and benchmarks

Choices made where issue 9 and docs/budgeting.md are silent:

- MPS for next year: every item starts at its safety stock, with no customer orders and no firm planned orders
  (as the design says), and also with the forecast as demand in every week (a DTF rule of "orders" would plan
  nothing without orders), no demand or planning time fence and no lead-time offset: fences and lead times say
  what may still move from today in the live plan, while next year's weeks are all open; the releases of
  January's receipts fall in December and are not part of the year. Scheduled receipts in the base batch are
  kept (e.g. restockable returns). Lot sizing rules are the items' own.
- Warehouse storage is the products' stock: each item's projected available above zero, summed per product (one
  item's shortage holds no pallets and does not cancel another item's stock). Inbound is the items' MPS
  receipts summed per product.
- scale_campaign x f multiplies the uplift value of every line (units and percent alike), the post-promotion dip
  and the campaign's halo / cannibalisation, so the campaign's whole lift scales by f (pre-buy and launch
  transfers are shares of that lift), and its budget. f = 0 keeps the campaign in the plan with no lift and no
  spend.
- move_campaign shifts the campaign's dates, its lines, its family effects and any custom profile factors
  (factors moved out of the fiscal year are lost: moving back does not bring them back).
- add_campaign lines have no pre-buy, dip, halo or transfer; custom profiles cannot be added by a delta.
- volume_target on a month whose family baseline is zero spreads the units evenly over the family's products and
  the month's weeks; a target of 0 empties the month.
- add_shift adds to the planned shifts of the resource in every week whose month is in range; a negative
  number may take back planned shifts but never below zero.
- Summary: campaign weeks are ISO week labels ("2027-W05"), also for weeks before or after the fiscal year.
  Utilisation is a fraction (1.0 = full), capped at 99 when a closed week (zero capacity) has load; plant
  utilisation is load / (normal capacity + planned shifts). Storage's monthly capacity is its tightest week
  (storage is a level). A dimension with no recorded capacity gives None; so does a month without weeks (only
  in short test plans). Flows' monthly capacity adds up the weeks that have one. margin_pct is a percentage
  (0 when there is no revenue).
- family_detail's margin contribution is revenue - cost of goods - returns cost (marketing and capacity cost
  belong to campaigns and resources, not to one product).
- largest_move compares whole numbers (as the fingerprints do); volumes, loads and money outrank capacity and
  how an overload is covered; across units each move is measured against the largest figure of its unit in
  the part (parts.largest_move).
"""
