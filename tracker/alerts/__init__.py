"""Alerts: follow a measure, a country, a topic, an organization, a lineage or a saved list,
and hear when it changes, by email digest or signed webhook (docs/alerts.md).

- ``mail``: SMTP settings and sending (the standard library's ``email`` and ``smtplib``);
- ``tokens``: the signed links in messages (confirm, unsubscribe), made with itsdangerous.

The tables are in tracker.models ("Alerts"). Like services and exports, this package knows
nothing of HTTP: the pages (tracker.web.alerts) and the ``tracker alerts`` command hand it the
links it puts in messages.
"""
