"""The departments every company using the portal has; created by a data migration, codes used in code."""

MARKETING = "marketing"
SALES = "sales"
OPERATIONS = "operations"
WAREHOUSE = "warehouse"
FINANCE = "finance"
CUSTOMER_SERVICE = "customer-service"

STANDARD_DEPARTMENTS: list[tuple[str, str, str]] = [
    (MARKETING, "Marketing", "Campaigns, promotions and launches"),
    (SALES, "Sales", "Customer orders, volumes and the demand forecast"),
    (OPERATIONS, "Operations", "Master production schedule and plant capacity"),
    (WAREHOUSE, "Warehouse & Logistics", "Warehouse capacity, inbound and outbound flows"),
    (FINANCE, "Finance", "Budgets, costs and margins"),
    (CUSTOMER_SERVICE, "Customer Service", "Returns, complaints and order fulfilment"),
]
ALL = frozenset(code for code, _, _ in STANDARD_DEPARTMENTS)
