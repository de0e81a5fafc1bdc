"""Insights: the programme's health and KPIs, read-only over the ledger and the earning and
rewards records: dashboards, exports, the rule-change simulator and recommendations."""
