"""Inventory: the cloud resources the platform knows (type, size, tags), collected from AWS."""
