"""The camera health monitor: judge every camera by itself and open or close its faults."""
