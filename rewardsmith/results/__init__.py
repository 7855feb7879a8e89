"""Reading a finished run: inspect, report, export."""
