/* The part of Leaflet 1.9 that tourapp's map uses, bundled by tools/build_leaflet.py.
 * Left out (never used by the folium map or the page scripts): GeoJSON, image, video and
 * SVG overlays, the canvas renderer, polygons and rectangles, the layers control, WMS
 * tiles, box zoom, the projections other than EPSG:3857, the long-press handler (TapHold:
 * a "contextmenu" on iOS, which nothing here listens to). Leaflet is © Volodymyr Agafonkin and contributors, BSD-2-Clause. */
export * from 'leaflet/src/core/index';
export * from 'leaflet/src/dom/index';

// Geometry and geography without polygon clipping (PolyUtil) and with one projection: the
// map is EPSG:3857, as every tile server's (no EPSG:3395, EPSG:4326, Simple, L.Projection).
export {Point, toPoint as point} from 'leaflet/src/geometry/Point';
export {Bounds, toBounds as bounds} from 'leaflet/src/geometry/Bounds';
export {Transformation, toTransformation as transformation} from 'leaflet/src/geometry/Transformation';
import * as LineUtil from 'leaflet/src/geometry/LineUtil';
export {LineUtil};
export {LatLng, toLatLng as latLng} from 'leaflet/src/geo/LatLng';
export {LatLngBounds, toLatLngBounds as latLngBounds} from 'leaflet/src/geo/LatLngBounds';
import {CRS} from 'leaflet/src/geo/crs/CRS';
import {Earth} from 'leaflet/src/geo/crs/CRS.Earth';
import {EPSG3857, EPSG900913} from 'leaflet/src/geo/crs/CRS.EPSG3857';
Object.assign(CRS, {Earth, EPSG3857, EPSG900913});
export {CRS};

import {Control, control} from 'leaflet/src/control/Control';
import {Zoom, zoom} from 'leaflet/src/control/Control.Zoom';
import {Scale, scale} from 'leaflet/src/control/Control.Scale';
import {Attribution, attribution} from 'leaflet/src/control/Control.Attribution';
Object.assign(Control, {Zoom, Scale, Attribution});
Object.assign(control, {zoom, scale, attribution});
export {Control, control};

import {Map} from 'leaflet/src/map/Map';
import {DoubleClickZoom} from 'leaflet/src/map/handler/Map.DoubleClickZoom';
import {Drag} from 'leaflet/src/map/handler/Map.Drag';
import {Keyboard} from 'leaflet/src/map/handler/Map.Keyboard';
import {ScrollWheelZoom} from 'leaflet/src/map/handler/Map.ScrollWheelZoom';
import {TouchZoom} from 'leaflet/src/map/handler/Map.TouchZoom';
// Each handler registers itself with Map.addInitHook; Leaflet also names it on Map.
// Not TapHold: it only makes a "contextmenu" event on iOS, which nothing here listens to.
Object.assign(Map, {DoubleClickZoom, Drag, Keyboard, ScrollWheelZoom, TouchZoom});
export {Map, createMap as map} from 'leaflet/src/map/Map';

export {Layer} from 'leaflet/src/layer/Layer';
export {LayerGroup, layerGroup} from 'leaflet/src/layer/LayerGroup';
export {FeatureGroup, featureGroup} from 'leaflet/src/layer/FeatureGroup';
export {DivOverlay} from 'leaflet/src/layer/DivOverlay';
export {Popup, popup} from 'leaflet/src/layer/Popup';
export {Tooltip, tooltip} from 'leaflet/src/layer/Tooltip';
export * from 'leaflet/src/layer/marker/index';
export {GridLayer, gridLayer} from 'leaflet/src/layer/tile/GridLayer';
export {TileLayer, tileLayer} from 'leaflet/src/layer/tile/TileLayer';

export {Renderer} from 'leaflet/src/layer/vector/Renderer';
import {SVG, create, pointsToPath, svg} from 'leaflet/src/layer/vector/SVG';
SVG.create = create;
SVG.pointsToPath = pointsToPath;
export {SVG, svg};
export {Path} from 'leaflet/src/layer/vector/Path';
export {CircleMarker, circleMarker} from 'leaflet/src/layer/vector/CircleMarker';
export {Circle, circle} from 'leaflet/src/layer/vector/Circle';
export {Polyline, polyline} from 'leaflet/src/layer/vector/Polyline';

/* Leaflet's Renderer.getRenderer without the canvas branch (it imports the canvas renderer). */
Map.include({
	getRenderer: function (layer) {
		var renderer = layer.options.renderer || this._getPaneRenderer(layer.options.pane) ||
			this.options.renderer || this._renderer;
		if (!renderer) {
			renderer = this._renderer = this._createRenderer();
		}
		if (!this.hasLayer(renderer)) {
			this.addLayer(renderer);
		}
		return renderer;
	},
	_getPaneRenderer: function (name) {
		if (name === 'overlayPane' || name === undefined) {
			return false;
		}
		var renderer = this._paneRenderers[name];
		if (renderer === undefined) {
			renderer = this._createRenderer({pane: name});
			this._paneRenderers[name] = renderer;
		}
		return renderer;
	},
	_createRenderer: function (options) {
		return svg(options);
	}
});
export var version = '1.9.3';
