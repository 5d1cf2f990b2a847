"""The workspace's pages: queues (queues.py) and the grievance page with its actions (grievance.py)."""
