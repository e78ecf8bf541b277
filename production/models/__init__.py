from .capacity import BillOfCapacity, Plant, Resource, ResourceCapacityException
from .items import AtpRuleChoice, DemandRuleChoice, FirmPlannedOrder, LotRuleChoice, MpsItem, ScheduledReceipt
from .revisions import Measure, MpsItemChange, MpsItemPlan, MpsRevision, ResourceLoad

__all__ = [
    "AtpRuleChoice",
    "BillOfCapacity",
    "DemandRuleChoice",
    "FirmPlannedOrder",
    "LotRuleChoice",
    "Measure",
    "MpsItem",
    "MpsItemChange",
    "MpsItemPlan",
    "MpsRevision",
    "Plant",
    "Resource",
    "ResourceCapacityException",
    "ResourceLoad",
    "ScheduledReceipt",
]
