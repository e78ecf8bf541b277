"""Production master data. The MPS engine issue adds resources, bills of capacity and MPS parameters."""

from django.db import models


class Plant(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    location = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
