"""What a run tells the outside: notifications, traces and metrics, each an optional dependency loaded when asked for."""
