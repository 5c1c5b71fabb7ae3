"""Shared web layer: error pages, security headers, templating, health checks, staff authentication."""
