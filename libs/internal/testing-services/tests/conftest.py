pytest_plugins = ["testing_services.pytest_plugin"]
