#pragma once
// Every analysis view the app shows, created once with its feed and its place among the docks.
// Adding a view: create it, add_view(), connect its feed (view_feeds*.cpp), place its dock.
namespace es::app {

class MainWindow;
void create_views(MainWindow& window);
// Gives the docks their default proportions for the window's current size.
void arrange_docks(MainWindow& window);

}  // namespace es::app
