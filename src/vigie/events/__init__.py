"""From rule events to alerts: admission policy, snapshots, clips, the frame ring buffer."""
