"""Returns maths on whole arrays: rates against baselines, significance, campaign attribution, restockable supply.

Pure numpy / pandas (no Django), like production/planning: the services read the database into frames and
arrays, these functions do the sums.
"""
