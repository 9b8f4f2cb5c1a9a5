"""Real-time fraud signals: velocity, lists, identity links, anomaly scores."""
