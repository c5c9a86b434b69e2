"""Case work: the counterparty register, alerts and decisions, the audit trail and the delta
re-screen."""
