"""jointcheck optimiser: coordinated draws, rounds, calendars and capacities."""
