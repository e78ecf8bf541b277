"""Warehouse master data. The warehouse capacity issue adds capacities, exceptions and assignments."""

from django.db import models


class Warehouse(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    location = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
